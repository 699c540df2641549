// Objects as the API server returns them, for the tests of `ixctl status`.
import type { V1Pod } from '@kubernetes/client-node';
import type { Condition, Dataplane, DataplaneStatus } from '../../../src/api/dataplane.ts';
import type { DataplaneNode, DataplaneNodeStatus } from '../../../src/api/dataplane-node.ts';
import { buildFakeInventory } from '../../../src/sim/fake-inventory.ts';

export const condition = (type: string, status: Condition['status'], reason: string, message = `${type} is ${status}`): Condition =>
  ({ type, status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' });

export function dataplane(namespace: string, name: string, replicas: number, status?: DataplaneStatus): Dataplane {
  return {
    apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', metadata: { name, namespace, generation: 1 },
    spec: {
      replicas, cores: { min: 2, max: 4 }, slo: { p99: '500us' }, batchSize: 64, memory: '64Mi', maxItemSize: '1Mi', port: 11211, controlPort: 9121,
      placement: { wholeCores: true },
      rebalance: { addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '2s' },
      disruptionBudget: { maxUnavailable: 1, doNotDisrupt: 'Never' },
    },
    ...(status ? { status } : {}),
  };
}

export function pod(namespace: string, dp: string, name: string, opts: { node?: string; cpus?: string; active?: string; vf?: string; numa?: number; ready?: boolean; phase?: string; terminating?: boolean } = {}): V1Pod {
  const annotations: Record<string, string> = {};
  if (opts.cpus !== undefined) annotations['ix.dev/cpus'] = opts.cpus;
  if (opts.active !== undefined) annotations['ix.dev/active-cpus'] = opts.active;
  if (opts.vf !== undefined) annotations['ix.dev/vf'] = opts.vf;
  if (opts.numa !== undefined) annotations['ix.dev/numa'] = String(opts.numa);
  if (opts.node !== undefined) annotations['ix.dev/node'] = opts.node;
  const phase = opts.phase ?? (opts.node ? 'Running' : 'Pending');
  return {
    metadata: { name, namespace, labels: { 'ix.dev/dataplane': dp }, annotations, ...(opts.terminating ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z') } : {}) },
    spec: { containers: [{ name: 'dataplane' }], ...(opts.node && phase !== 'Pending' ? { nodeName: opts.node } : {}) },
    status: { phase, conditions: [{ type: 'Ready', status: (opts.ready ?? phase === 'Running') ? 'True' : 'False' }] },
  };
}

/** A 16-CPU node of the simulator's shape (2 cells, 4 CPUs reserved, 4 VFs) with the given status. */
export function node(name: string, status?: DataplaneNodeStatus): DataplaneNode {
  return { ...buildFakeInventory({ name, cpus: 16, vfs: 4 }), ...(status ? { status } : {}) };
}
