// Pure builder of a Dataplane's PodDisruptionBudget: evictions (kubectl drain, a cluster autoscaler
// consolidating nodes) take at most spec.disruptionBudget.maxUnavailable replicas at once.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { LABELS } from '../../api/constants.ts';
import { ownerReference } from './owner.ts';
import { disruptionBudgetName } from './names.ts';

export function buildDisruptionBudget(dp: Dataplane): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: disruptionBudgetName(dp),
      namespace: dp.metadata.namespace,
      labels: { [LABELS.dataplane]: dp.metadata.name!, [LABELS.managedBy]: 'ix-operator' },
      ownerReferences: [ownerReference(dp)],
    },
    spec: {
      maxUnavailable: dp.spec.disruptionBudget?.maxUnavailable ?? 1,
      selector: { matchLabels: { [LABELS.dataplane]: dp.metadata.name! } },
      // A replica that does not serve may be evicted even when the budget is spent: keeping a broken
      // pod would block the drain that could fix it.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
