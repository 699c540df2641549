// The checks that do not depend on the node's free resources: readiness, cordoning, the node
// selector and taints. They run first so that a failure message names the most basic reason.
import type { PlacementNode, PlacementRequest } from './types.ts';
import { describeTaint, isTolerated } from './tolerations.ts';

/** The taint the node controller puts on cordoned nodes; a pod tolerating it may still go there, as in Kubernetes. */
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/**
 * Taints an autoscaler puts on a node it is about to drain and remove: Karpenter's
 * (sigs.k8s.io/karpenter pkg/apis/v1/taints.go, on every node it disrupts: consolidation, expiry,
 * drift, a deleted node) and cluster-autoscaler's. A replica placed there would be evicted again
 * within seconds, and its CPUs and VF with it; placement refuses such a node even to a pod that
 * tolerates every taint (as a DaemonSet's pods do, or a Dataplane given `operator: Exists`).
 */
export const REMOVAL_TAINT_KEYS: ReadonlySet<string> = new Set(['karpenter.sh/disrupted', 'ToBeDeletedByClusterAutoscaler']);

export type FilterRejection =
  | { kind: 'notReady' }
  | { kind: 'beingRemoved' }
  | { kind: 'unschedulable' }
  | { kind: 'nodeSelector' }
  | { kind: 'taint'; taint: string };

export function filterNode(node: PlacementNode, request: PlacementRequest): FilterRejection | null {
  // Not-ready nodes are refused outright: the node agent there could not apply the cpusets.
  if (!node.ready) return { kind: 'notReady' };
  if (node.taints.some((t) => REMOVAL_TAINT_KEYS.has(t.key) && t.effect !== 'PreferNoSchedule')) return { kind: 'beingRemoved' };
  if (node.unschedulable
    && !isTolerated({ key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' }, request.tolerations)) {
    return { kind: 'unschedulable' };
  }
  for (const [key, value] of Object.entries(request.nodeSelector ?? {})) {
    if (node.labels[key] !== value) return { kind: 'nodeSelector' };
  }
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!isTolerated(taint, request.tolerations)) return { kind: 'taint', taint: describeTaint(taint) };
  }
  return null;
}

/** Untolerated PreferNoSchedule taints: they do not exclude a node, they only make it less preferred. */
export function softTaintCount(node: PlacementNode, request: PlacementRequest): number {
  return node.taints.filter((t) => t.effect === 'PreferNoSchedule' && !isTolerated(t, request.tolerations)).length;
}
