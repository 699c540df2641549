// The pod annotations through which a Dataplane keeps cluster autoscalers from removing the nodes
// of its replicas (spec.disruptionBudget.doNotDisrupt). Pure: the pod builder sets them on a new
// pod, the reconciler keeps running pods in line as the policy or a replica's cores change.
import type { V1Pod } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { ANNOTATIONS } from '../../api/constants.ts';
import { parseCpuset } from '../placement/index.ts';

/** Karpenter: no consolidation, expiry or drift replacement of the node, and no eviction by its drain. */
export const KARPENTER_DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
/** cluster-autoscaler: the node is not scaled down while the pod runs there. */
export const CLUSTER_AUTOSCALER_SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/** Whether a replica holding `cpus` cores is protected now. */
export function isProtected(dp: Dataplane, cpus: number): boolean {
  switch (dp.spec.disruptionBudget?.doNotDisrupt ?? 'Never') {
    case 'Always': return true;
    case 'WhenBusy': return cpus > dp.spec.cores.min;
    default: return false;
  }
}

/** The annotations a replica holding `cpus` cores should carry (none when unprotected). */
export function protectionAnnotations(dp: Dataplane, cpus: number): Record<string, string> {
  return isProtected(dp, cpus) ? { [KARPENTER_DO_NOT_DISRUPT]: 'true', [CLUSTER_AUTOSCALER_SAFE_TO_EVICT]: 'false' } : {};
}

/**
 * A merge patch of the pod's annotations (null removes) that brings them in line with the policy,
 * or undefined when they are. A pod not placed yet holds cores.min.
 */
export function protectionPatch(dp: Dataplane, pod: V1Pod): Record<string, string | null> | undefined {
  const held = pod.metadata?.annotations?.[ANNOTATIONS.cpus];
  const want = protectionAnnotations(dp, held ? parseCpuset(held).length : dp.spec.cores.min);
  const have = pod.metadata?.annotations ?? {};
  const patch: Record<string, string | null> = {};
  for (const key of [KARPENTER_DO_NOT_DISRUPT, CLUSTER_AUTOSCALER_SAFE_TO_EVICT]) {
    const value = want[key] ?? null;
    if ((have[key] ?? null) !== value) patch[key] = value;
  }
  return Object.keys(patch).length ? patch : undefined;
}
