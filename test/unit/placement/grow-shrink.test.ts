import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { grow, shrink } from '../../../src/operator/placement/index.ts';
import type { Allocation, GrowResult, ShrinkResult } from '../../../src/operator/placement/index.ts';
import { makeNode } from './fixtures.ts';

function alloc(podKey: string, cpus: number[], extra: Partial<Allocation> = {}): Allocation {
  return { podKey, dataplaneKey: 'default/dp', node: 'node-a', numa: 0, cpus, ...extra };
}

function grown(r: GrowResult): number[] {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.added;
}

function shrunk(r: ShrinkResult): { release: number[]; keep: number[] } {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.deepEqual(r.allocation.cpus, r.keep);
  return { release: r.release, keep: r.keep };
}

// Default node: one cell, 4 cores, 2 threads: core k = CPUs {k, k+4}.
describe('grow', () => {
  const node = makeNode();

  it('adds whole free cores, lowest first, and returns the updated allocation', () => {
    const r = grow(node, [alloc('ns/a', [0, 4])], 'ns/a', 2);
    assert.deepEqual(grown(r), [1, 5]);
    assert.ok(r.ok);
    assert.deepEqual(r.allocation.cpus, [0, 1, 4, 5]);
    assert.equal(r.allocation.podKey, 'ns/a');
  });

  it('rounds up to whole cores under wholeCores', () => {
    assert.deepEqual(grown(grow(node, [alloc('ns/a', [0, 4])], 'ns/a', 1)), [1, 5]);
  });

  it('takes free siblings of the cores the pod holds first', () => {
    const a = alloc('ns/a', [0], { wholeCores: false });
    assert.deepEqual(grown(grow(node, [a], 'ns/a', 1)), [4]);
    assert.deepEqual(grown(grow(node, [a], 'ns/a', 2)), [1, 4]);
    assert.deepEqual(grown(grow(node, [a], 'ns/a', 3)), [1, 4, 5]);
  });

  it('skips CPUs of other pods, reserved CPUs and cores they break', () => {
    const n = makeNode({ reservedCpus: [3] });
    const others = [alloc('ns/a', [0, 4]), alloc('ns/b', [1], { wholeCores: false })];
    assert.deepEqual(grown(grow(n, others, 'ns/a', 2)), [2, 6]);
    const r = grow(n, others, 'ns/a', 4);
    assert.ok(!r.ok);
    assert.equal(r.reason, 'NUMA cell 0 of node node-a has 2 free CPUs in whole cores for pod ns/a, needs 4');
  });

  it('grows on the pod\'s own NUMA cell only', () => {
    const n = makeNode({ cells: 2 });
    assert.deepEqual(grown(grow(n, [alloc('ns/a', [4, 12], { numa: 1 })], 'ns/a', 2)), [5, 13]);
  });

  it('respects the CPU millis budget', () => {
    const n = makeNode({ allocatableCpuMillis: 5000, nonDataplaneCpuRequestMillis: 1000 });
    const r = grow(n, [alloc('ns/a', [0, 4])], 'ns/a', 4);
    assert.ok(!r.ok);
    assert.equal(r.reason, 'node node-a has 2000m allocatable CPU left, pod ns/a needs 4000m more');
    assert.deepEqual(grown(grow(n, [alloc('ns/a', [0, 4])], 'ns/a', 2)), [1, 5]);
  });

  it('fails for a pod without an allocation on the node, and throws on a bad count', () => {
    const r = grow(node, [alloc('ns/a', [0, 4], { node: 'other' })], 'ns/a', 1);
    assert.ok(!r.ok);
    assert.equal(r.reason, 'pod ns/a holds no CPUs on node node-a');
    assert.throws(() => grow(node, [alloc('ns/a', [0, 4])], 'ns/a', 0), RangeError);
  });
});

describe('shrink', () => {
  const node = makeNode();

  it('releases whole cores, highest ids first', () => {
    const a = alloc('ns/a', [0, 1, 2, 4, 5, 6]);
    assert.deepEqual(shrunk(shrink(node, a, 2)), { release: [2, 6], keep: [0, 1, 4, 5] });
    assert.deepEqual(shrunk(shrink(node, a, 3)), { release: [1, 2, 5, 6], keep: [0, 4] });
  });

  it('rounds up to whole cores under wholeCores', () => {
    assert.deepEqual(shrunk(shrink(node, alloc('ns/a', [0, 1, 4, 5]), 1)), { release: [1, 5], keep: [0, 4] });
  });

  it('never releases every CPU', () => {
    const r = shrink(node, alloc('ns/a', [0, 1, 4, 5]), 3);
    assert.ok(!r.ok);
    assert.equal(r.reason, 'pod ns/a holds 4 CPUs; releasing 3 (4 in whole cores) would leave it none');
    assert.ok(!shrink(node, alloc('ns/a', [0], { wholeCores: false }), 1).ok);
  });

  it('without wholeCores releases broken cores first and splits a core only for the remainder', () => {
    const a = alloc('ns/a', [0, 1, 4], { wholeCores: false });
    assert.deepEqual(shrunk(shrink(node, a, 1)), { release: [1], keep: [0, 4] });
    assert.deepEqual(shrunk(shrink(node, a, 2)), { release: [1, 4], keep: [0] });
    assert.deepEqual(shrunk(shrink(node, alloc('ns/a', [0, 1, 4, 5], { wholeCores: false }), 1)), { release: [5], keep: [0, 1, 4] });
  });

  it('throws on a bad count', () => {
    assert.throws(() => shrink(node, alloc('ns/a', [0, 4]), -1), RangeError);
  });
});

describe('shrink across NUMA cells', () => {
  it('releases CPUs off the pod\'s own cell first, so that cell keeps the majority', () => {
    const node = makeNode({ cells: 2 });
    const a = alloc('ns/a', [0, 7, 8, 15], { numa: 1, numaPolicy: 'prefer-single-numa' });
    assert.deepEqual(shrunk(shrink(node, a, 2)), { release: [0, 8], keep: [7, 15] });
  });
});
