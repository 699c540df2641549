import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cheapestFit, fewestNodes, podsPerNode } from '../../../bench/lib/autoscale-fit.ts';
import { DEFAULT_INSTANCE_TYPES } from '../../../src/sim/karpenter-resources.ts';

const replica = { cpuMillis: 2000, memoryBytes: 192 * 2 ** 20, vfs: 1 };
const [c8, c16, c32] = DEFAULT_INSTANCE_TYPES;

describe('bench:autoscale yardstick', () => {
  it('counts the replicas a node holds by its scarcest resource, less kube-reserved', () => {
    assert.equal(podsPerNode(c8!, replica), 3, '7.9 CPUs: three 2-CPU replicas (VFs would allow 4)');
    assert.equal(podsPerNode(c16!, replica), 7);
    assert.equal(podsPerNode(c32!, replica), 15);
    assert.equal(podsPerNode(c32!, { ...replica, cpuMillis: 1000 }), 16, 'VF-bound');
  });

  it('the fewest nodes use the largest type; the cheapest set may use more', () => {
    assert.deepEqual(fewestNodes(DEFAULT_INSTANCE_TYPES, replica, 24), { nodes: 2, type: 'ix-c32' });
    const cheapest = cheapestFit(DEFAULT_INSTANCE_TYPES, replica, 10);
    assert.equal(cheapest.nodes, 2, 'c16 + c8 (7 + 3)');
    assert.ok(Math.abs(cheapest.price - 1.2) < 1e-9, String(cheapest.price));
    assert.throws(() => fewestNodes(DEFAULT_INSTANCE_TYPES, { ...replica, vfs: 17 }, 1), /no instance type/);
  });
});
