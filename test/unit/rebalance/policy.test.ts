import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCongested, rebalanceNode, type PodLoad, type RebalanceThresholds } from '../../../src/operator/rebalance/policy.ts';
import { decideCores, summarizeLoad } from '../../../src/dataplane/elastic/core-policy.ts';
import { checkAllocations, type Allocation } from '../../../src/operator/placement/index.ts';
import { makeNode } from '../placement/fixtures.ts';

// One cell, 8 cores without hyperthreads: CPUs 0-7, every CPU a whole core.
const node = makeNode({ coresPerCell: 8, threadsPerCore: 1 });
const T: RebalanceThresholds = { min: 1, max: 4, addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, sloP99Us: 500, addCooldownMs: 100, removeCooldownMs: 2000 };
const alloc = (podKey: string, cpus: number[]): Allocation => ({ podKey, dataplaneKey: `ns/${podKey.split('/')[1]!.split('-')[0]}`, node: 'node-a', numa: 0, cpus });
const busy = (a: Allocation, extra: Partial<PodLoad> = {}): PodLoad => ({ podKey: a.podKey, allocation: a, active: a.cpus.length, queueLength: 50, queueDelayUs: 400, idle: 0.01, t: T, lastChangeAt: -Infinity, ...extra });
const quiet = (a: Allocation, extra: Partial<PodLoad> = {}): PodLoad => ({ ...busy(a), queueLength: 0.2, queueDelayUs: 3, idle: 0.95, ...extra });

describe('rebalancer policy (one node)', () => {
  it('grows a pod that runs on all it holds and is congested, from free CPUs', () => {
    const a = alloc('ns/a-1', [0]);
    const [act, ...rest] = rebalanceNode(node, [a], [busy(a)], 10_000);
    assert.equal(rest.length, 0);
    assert.equal(act?.kind, 'grow');
    assert.deepEqual(act?.allocation.cpus, [0, 1]);
    assert.match(act!.reason, /all 1 CPUs running threads and congested \(queue 50/);
  });

  it('leaves a congested pod alone while its own local controller still has granted CPUs to add', () => {
    const a = alloc('ns/a-1', [0, 1, 2]);
    assert.deepEqual(rebalanceNode(node, [a], [busy(a, { active: 2 })], 10_000), []);
  });

  it('never grows past cores.max, nor within the add cooldown', () => {
    const full = alloc('ns/a-1', [0, 1, 2, 3]);
    assert.deepEqual(rebalanceNode(node, [full], [busy(full)], 10_000), []);
    const a = alloc('ns/a-1', [0]);
    assert.deepEqual(rebalanceNode(node, [a], [busy(a, { lastChangeAt: 9_950 })], 10_000), []);
  });

  it('takes a core from an idle pod above its min when the cell has none free, and grows nobody in that round', () => {
    const a = alloc('ns/a-1', [0, 1]);
    const b = alloc('ns/b-1', [2, 3, 4, 5, 6, 7]);
    const actions = rebalanceNode(node, [a, b], [busy(a), quiet(b, { t: { ...T, max: 6 } })], 10_000);
    assert.equal(actions.length, 1);
    const [give] = actions;
    assert.equal(give?.kind, 'shrink');
    assert.equal(give?.podKey, 'ns/b-1');
    assert.equal(give?.kind === 'shrink' && give.forPod, 'ns/a-1');
    assert.deepEqual(give?.allocation.cpus, [2, 3, 4, 5, 6]);
  });

  it('takes nothing from a pod at its min, or a busy one', () => {
    const a = alloc('ns/a-1', [0, 1]);
    const b = alloc('ns/b-1', [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(rebalanceNode(node, [a, b], [busy(a), quiet(b, { t: { ...T, min: 6, max: 6 } })], 10_000), []);
    assert.deepEqual(rebalanceNode(node, [a, b], [busy(a), busy(b, { t: { ...T, max: 6 } })], 10_000), []);
  });

  it('gives back CPUs left without threads for the cooldown, keeping one of headroom unless idle, and the min', () => {
    const a = alloc('ns/a-1', [0, 1, 2, 3]);
    const early = rebalanceNode(node, [a], [quiet(a, { active: 1, spareSince: 9_000 })], 10_000);
    assert.deepEqual(early, [], 'not before removeCooldown');
    const [act] = rebalanceNode(node, [a], [quiet(a, { active: 1, spareSince: 7_000 })], 10_000);
    assert.equal(act?.kind, 'shrink');
    assert.deepEqual(act?.allocation.cpus, [0], 'idle: only what runs');
    assert.match(act!.reason, /1 of 4 CPUs running threads for 3s/);
    const [warm] = rebalanceNode(node, [a], [quiet(a, { active: 1, spareSince: 7_000, idle: 0.3 })], 10_000);
    assert.deepEqual(warm?.allocation.cpus, [0, 1], 'busy: one running thread + one spare');
    const [min] = rebalanceNode(node, [a], [quiet(a, { active: 1, spareSince: 0, t: { ...T, min: 3 } })], 10_000);
    assert.deepEqual(min?.allocation.cpus, [0, 1, 2], 'never below cores.min');
  });

  it('rounds to whole cores on a hyperthreaded node', () => {
    const ht = makeNode({ coresPerCell: 4, threadsPerCore: 2 }); // core k = CPUs k, k+4
    const a: Allocation = { ...alloc('ns/a-1', [0, 4]), wholeCores: true };
    const [act] = rebalanceNode(ht, [a], [busy(a)], 10_000);
    assert.equal(act?.kind, 'grow');
    assert.equal(act!.allocation.cpus.length, 4, 'a whole core (two siblings) added');
  });

  it('never lets two pods hold one CPU, whatever the loads (property)', () => {
    const podArb = fc.record({ held: fc.integer({ min: 1, max: 2 }), active: fc.integer({ min: 1, max: 3 }), queue: fc.double({ min: 0, max: 100, noNaN: true }), idle: fc.double({ min: 0, max: 1, noNaN: true }), spare: fc.boolean() });
    fc.assert(fc.property(fc.array(podArb, { minLength: 1, maxLength: 3 }), (specs) => {
      let next = 0;
      const pods = specs.map((s, i) => {
        const a = alloc(`ns/p${i}-1`, Array.from({ length: s.held }, () => next++));
        return { ...busy(a), active: Math.min(s.active, s.held), queueLength: s.queue, idle: s.idle, ...(s.spare ? { spareSince: 0 } : {}) };
      });
      const allocations = pods.map((p) => p.allocation);
      const actions = rebalanceNode(node, allocations, pods, 100_000);
      // Apply grows only (a shrink counts once the cache shows it): nothing may overlap.
      const after = allocations.map((a) => actions.find((x) => x.podKey === a.podKey && x.kind === 'grow')?.allocation ?? a);
      assert.deepEqual(checkAllocations([node], after), []);
      for (const x of actions) {
        const p = pods.find((q) => q.podKey === x.podKey)!;
        assert.ok(x.allocation.cpus.length <= p.t.max && x.allocation.cpus.length >= p.t.min);
      }
    }), { numRuns: 300 });
  });
});

describe('one congestion predicate for both levels', () => {
  it('the rebalancer calls a pod congested exactly when its local controller would add a thread', () => {
    const thread = fc.record({ queueLength: fc.double({ min: 0, max: 100, noNaN: true }), queueDelayUs: fc.double({ min: 0, max: 5000, noNaN: true }), idle: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(fc.property(fc.array(thread, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 100, max: 5000 }), (threads, addQueueLength, sloP99Us) => {
      const t: RebalanceThresholds = { ...T, max: 8, addQueueLength, removeQueueLength: Math.min(8, addQueueLength), sloP99Us };
      const a = alloc('ns/a-1', threads.map((_, i) => i));
      const pod: PodLoad = { podKey: a.podKey, allocation: a, active: threads.length, ...summarizeLoad(threads), t, lastChangeAt: -Infinity };
      const local = decideCores(threads, { active: threads.length, lastChangeAt: -Infinity }, t, 0);
      assert.equal(isCongested(pod), local.action === 'add', `${JSON.stringify(threads)} → local ${local.action}: ${local.reason}`);
    }));
  });

  it('a late but idle event loop is not congestion at either level (the CPU is held by others)', () => {
    const a = alloc('ns/a-1', [0]);
    assert.equal(isCongested(quiet(a, { queueDelayUs: 2_000 })), false);
    assert.equal(isCongested(busy(a, { queueLength: 0, queueDelayUs: 2_000 })), true);
  });
});
