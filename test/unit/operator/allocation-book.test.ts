// The allocation book rebuilds its placement inputs only when an event changes what the placer
// reads (placement-inputs.ts): its snapshot is the same object until then.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { AllocationBook } from '../../../src/operator/allocation-book.ts';
import { placementRequest } from '../../../src/operator/dataplane/reconciler.ts';
import { buildPod } from '../../../src/operator/dataplane/pod-builder.ts';
import { OperatorMetrics } from '../../../src/operator/metrics.ts';
import { log } from '../../../src/lib/log.ts';
import { buildFakeNode } from '../../../src/sim/fake-node.ts';
import { buildFakeInventory } from '../../../src/sim/fake-inventory.ts';
import type { DataplaneNode } from '../../../src/api/dataplane-node.ts';
import { FakeCache } from '../../helpers/fake-operator.ts';
import { dataplane } from './fixtures.ts';

function setup() {
  const node = buildFakeNode({ name: 'n0', index: 0, cpus: 16, vfs: 4 });
  node.status!.conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date(0) }];
  const pods = new FakeCache<V1Pod>();
  const nodes = new FakeCache<V1Node>([]);
  const inventories = new FakeCache<DataplaneNode>([]);
  const book = new AllocationBook({ pods, nodes, dataplaneNodes: inventories, metrics: new OperatorMetrics(), log });
  nodes.put(node);
  inventories.put({ ...buildFakeInventory({ name: 'n0', cpus: 16, vfs: 4 }), metadata: { name: 'n0', uid: 'dpn-uid', generation: 1 } });
  return { book, pods, nodes, inventories, node: () => nodes.get('n0')! };
}

describe('the allocation book', () => {
  it('keeps its placement inputs across events that change nothing the placer reads', () => {
    const t = setup();
    const first = t.book.snapshot();
    // A heartbeat: the Ready condition's time moves, its status does not.
    t.nodes.put({ ...t.node(), status: { ...t.node().status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date(1000) }] } });
    // The operator's own summary in the DataplaneNode's status: the spec (the inventory) is the same generation.
    const dpn = t.inventories.get('n0')!;
    t.inventories.put({ ...dpn, status: { conditions: [] } });
    assert.equal(t.book.snapshot(), first);
    // A label does move it: node selectors read labels.
    t.nodes.put({ ...t.node(), metadata: { ...t.node().metadata, labels: { ...t.node().metadata!.labels, pool: 'b' } } });
    assert.notEqual(t.book.snapshot(), first);
  });

  it('does not rebuild for the add of a pod it placed itself, nor for that pod going Running; does for a pod someone else made', () => {
    const t = setup();
    const dp = dataplane({ network: { resourceName: 'intel.com/sriov_netdevice', numaPolicy: 'single-numa' } });
    const outcome = t.book.place(placementRequest(dp, 'ns/cache-0'));
    assert.ok(outcome.ok);
    const placed = t.book.snapshot();
    const pod = buildPod({ dp, name: 'cache-0', specHash: 'h', defaultImage: 'img:1', allocation: outcome.allocation });
    t.pods.put({ ...pod, metadata: { ...pod.metadata, uid: 'pod-uid' } });
    assert.equal(t.book.snapshot(), placed, 'the add shows what was assumed');
    t.pods.put({ ...t.pods.get('cache-0', 'ns')!, status: { phase: 'Running' } });
    assert.equal(t.book.snapshot(), placed, 'Running holds the same');
    assert.equal(t.book.snapshot().allocations.filter((a) => a.podKey === 'ns/cache-0').length, 1);

    t.pods.put({ metadata: { name: 'web', namespace: 'ns', uid: 'web-uid' }, spec: { nodeName: 'n0', containers: [{ name: 'c', resources: { requests: { cpu: '2' } } }] } });
    const after = t.book.snapshot();
    assert.notEqual(after, placed, 'an ordinary pod takes CPU from the node\'s budget');
    assert.equal(after.nodes[0]!.nonDataplaneCpuRequestMillis, 2000);
    assert.ok(after.allocations.some((a) => a.podKey === 'ns/cache-0'), 'the placed pod still holds its CPUs after the rebuild');
  });
});
