import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkAllocations, freeCpus, sharedPool } from '../../../src/operator/placement/index.ts';
import type { Allocation } from '../../../src/operator/placement/index.ts';
import { makeNode } from './fixtures.ts';

function alloc(podKey: string, cpus: number[], extra: Partial<Allocation> = {}): Allocation {
  return { podKey, dataplaneKey: 'default/dp', node: 'node-a', numa: 0, cpus, ...extra };
}

describe('freeCpus and sharedPool', () => {
  const node = makeNode({ reservedCpus: [0, 4] });
  const allocations = [alloc('ns/a', [1, 5]), alloc('ns/b', [2, 6], { node: 'other' })];

  it('free CPUs are online, not reserved and held by no dataplane on this node', () => {
    assert.deepEqual(freeCpus(node, allocations), [2, 3, 6, 7]);
  });

  it('the shared pool includes the reserved CPUs', () => {
    assert.deepEqual(sharedPool(node, allocations), [0, 2, 3, 4, 6, 7]);
  });

  it('reserved ids the node does not have are ignored', () => {
    assert.deepEqual(freeCpus(makeNode({ reservedCpus: [99] }), []), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('checkAllocations', () => {
  const gi = 2 ** 30;
  const node = makeNode({ cells: 2, reservedCpus: [3, 11] }, { hugepages: [{ numa: 0, bytes: gi }] });
  const kinds = (allocations: Allocation[]): string[] => checkAllocations([node], allocations).map((v) => v.kind);

  it('finds nothing wrong in a sound state', () => {
    assert.deepEqual(checkAllocations([node], [
      alloc('ns/a', [0, 8], { vf: '0000:1b:00.0', hugepagesBytes: gi }),
      alloc('ns/b', [4, 5, 12, 13], { numa: 1, vf: '0000:2b:00.1' }),
      alloc('ns/c', [1, 2, 6], { numa: 0, numaPolicy: 'prefer-single-numa', wholeCores: false }),
    ]), []);
  });

  it('finds a CPU held by two pods and names both', () => {
    const v = checkAllocations([node], [alloc('ns/b', [0, 8]), alloc('ns/a', [0, 8])]);
    assert.deepEqual(v.map((x) => [x.kind, x.cpu, x.podKeys]), [
      ['cpuHeldTwice', 0, ['ns/a', 'ns/b']], ['cpuHeldTwice', 8, ['ns/a', 'ns/b']],
    ]);
    assert.equal(v[0]?.message, 'CPU 0 of node node-a is held by ns/a and ns/b');
  });

  it('finds a VF held by two pods', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { vf: '0000:1b:00.0' }), alloc('ns/b', [1, 9], { vf: '0000:1b:00.0' })]), ['vfHeldTwice']);
  });

  it('finds CPUs the node does not have, reserved CPUs and CPUs listed twice', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0, 8, 64], { wholeCores: false })]), ['cpuNotOnNode']);
    assert.deepEqual(kinds([alloc('ns/a', [3], { wholeCores: false })]), ['reservedCpu']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 0, 8])]), ['cpuListedTwice']);
    assert.deepEqual(kinds([alloc('ns/a', [])]), ['noCpus']);
  });

  it('finds NUMA mismatches under each policy', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0, 8, 4, 12])]), ['cpuOnOtherCell', 'cpuOnOtherCell']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { vf: '0000:2b:00.0' })]), ['vfOnOtherCell']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 8, 4, 12, 5, 13], { numaPolicy: 'prefer-single-numa' })]), ['cellNotMajority']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { numa: 7 })]), ['cellNotOnNode', 'cpuOnOtherCell', 'cpuOnOtherCell']);
  });

  it('finds split cores under wholeCores', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0])]), ['partialCore']);
    assert.deepEqual(kinds([alloc('ns/a', [0], { wholeCores: false })]), []);
  });

  it('finds VFs the node does not have', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { vf: '0000:ff:00.0' })]), ['vfNotOnNode']);
  });

  it('finds unknown nodes and pods listed twice', () => {
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { node: 'gone' })]), ['unknownNode']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 8]), alloc('ns/a', [1, 9])]), ['podListedTwice']);
  });

  it('finds an overdrawn CPU budget and overdrawn hugepages', () => {
    const small = makeNode({ allocatableCpuMillis: 3000, nonDataplaneCpuRequestMillis: 1500 });
    assert.deepEqual(checkAllocations([small], [alloc('ns/a', [0, 4])]).map((v) => v.kind), ['cpuBudgetExceeded']);
    assert.deepEqual(kinds([alloc('ns/a', [0, 8], { hugepagesBytes: gi }), alloc('ns/b', [1, 9], { hugepagesBytes: 1 })]), ['hugepagesExceeded']);
  });
});
