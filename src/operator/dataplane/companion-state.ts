// Pure comparison of an object the operator keeps for a Dataplane (its Service, its
// PodDisruptionBudget) with what it should be: the reconciler writes only when this says so.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { stableJson } from './spec-hash.ts';

export type CompanionState =
  /** No such object: create it. */
  | 'missing'
  /** Ours and as it should be: nothing to write. */
  | 'current'
  /** Ours, but its spec or labels moved (a spec change, or someone edited it): apply ours again. */
  | 'drifted'
  /** An object of that name that this Dataplane does not control: leave it, say so. */
  | 'foreign';

/**
 * `project` picks what the operator decides of the object (the spec fields it sets); fields the API
 * server fills in (a Service's clusterIPs, ipFamilies) are no drift.
 */
export function companionState<T extends KubernetesObject>(dp: Dataplane, have: T | undefined, want: T, project: (o: T) => unknown): CompanionState {
  if (!have) return 'missing';
  if (!have.metadata?.ownerReferences?.some((r) => r.controller && r.uid === dp.metadata.uid)) return 'foreign';
  const labels = have.metadata?.labels ?? {};
  const labelsMoved = Object.entries(want.metadata?.labels ?? {}).some(([k, v]) => labels[k] !== v);
  return labelsMoved || stableJson(project(have)) !== stableJson(project(want)) ? 'drifted' : 'current';
}
