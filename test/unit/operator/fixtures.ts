import type { Dataplane } from '../../../src/api/dataplane.ts';

/** A Dataplane as the API server returns it: every default filled in. */
export function dataplane(spec: Partial<Dataplane['spec']> = {}): Dataplane {
  return {
    apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane',
    metadata: { name: 'cache', namespace: 'ns', uid: 'uid-1', generation: 3 },
    spec: {
      replicas: 2, cores: { min: 2, max: 4 }, batchSize: 64, memory: '64Mi', maxItemSize: '1Mi', port: 11211, controlPort: 9121,
      slo: { p99: '500us' }, placement: { wholeCores: true },
      rebalance: { addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '2s' },
      disruptionBudget: { maxUnavailable: 1, doNotDisrupt: 'Never' },
      ...spec,
    },
  };
}
