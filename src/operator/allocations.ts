// Rebuilds who holds which CPU and VF from the pods themselves (their annotations are the source of
// truth, brief §2), so a restarted operator needs no other state.
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../api/constants.ts';
import { parseCpuset, type Allocation } from './placement/index.ts';
import { keyOf } from './dataplane/names.ts';

export interface AllocationView {
  allocations: Allocation[];
  /** Pods whose allocation annotations cannot be read; they are reported, never silently dropped. */
  invalid: { pod: string; error: string }[];
}

/** A pod that has finished holds nothing; every other pod of ours holds what its annotations say. */
export function holdsResources(pod: V1Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** The node the pod is bound to, or placed on and not yet bound. */
export const podNode = (pod: V1Pod): string | undefined => pod.spec?.nodeName || pod.metadata?.annotations?.[ANNOTATIONS.node] || undefined;

export function allocationOfPod(pod: V1Pod): Allocation | undefined {
  const ann = pod.metadata?.annotations ?? {};
  const cpus = ann[ANNOTATIONS.cpus];
  const node = podNode(pod);
  if (!cpus || !node) return undefined;
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)?.name ?? pod.metadata?.labels?.[LABELS.dataplane] ?? '';
  const numa = Number(ann[ANNOTATIONS.numa]);
  if (!Number.isInteger(numa) || numa < 0) throw new Error(`annotation ${ANNOTATIONS.numa} is ${JSON.stringify(ann[ANNOTATIONS.numa])}, not a NUMA cell number`);
  return {
    podKey: keyOf(pod),
    dataplaneKey: `${pod.metadata?.namespace ?? ''}/${owner}`,
    node,
    numa,
    cpus: parseCpuset(cpus),
    ...(ann[ANNOTATIONS.vf] ? { vf: ann[ANNOTATIONS.vf] } : {}),
  };
}

export function allocationsFromPods(pods: readonly V1Pod[]): AllocationView {
  const view: AllocationView = { allocations: [], invalid: [] };
  for (const pod of pods) {
    if (!pod.metadata?.labels?.[LABELS.dataplane] || !holdsResources(pod)) continue;
    try {
      const a = allocationOfPod(pod);
      if (a) view.allocations.push(a);
    } catch (e) {
      view.invalid.push({ pod: keyOf(pod), error: e instanceof Error ? e.message : String(e) });
    }
  }
  return view;
}
