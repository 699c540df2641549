import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideCores, type CorePolicyConfig, type PolicyState, type ThreadLoad } from '../../../src/dataplane/elastic/core-policy.ts';

const cfg: CorePolicyConfig = { min: 1, max: 4, addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, sloP99Us: 500, addCooldownMs: 100, removeCooldownMs: 2000 };
const threads = (n: number, t: ThreadLoad) => Array.from({ length: n }, () => ({ ...t }));

/** Replays a load trace (offered work in "core units" per 10 ms step) through the policy and a simple queueing model. */
function replay(offered: (step: number) => number, steps: number): number[] {
  const state: PolicyState = { active: 1, lastChangeAt: -1e9 };
  const history: number[] = [];
  for (let step = 0; step < steps; step++) {
    const now = step * 10;
    const work = offered(step);
    const utilisation = Math.min(1, work / state.active);
    // Queue grows sharply as utilisation approaches 1 (M/M/1: rho / (1 - rho)), per thread.
    const queue = utilisation >= 0.99 ? 200 : utilisation / (1 - utilisation);
    const load = threads(state.active, { queueLength: queue, queueDelayUs: queue * 5, idle: 1 - utilisation });
    const d = decideCores(load, state, cfg, now);
    if (d.action !== 'hold') {
      state.active = d.to;
      state.lastChangeAt = now;
    }
    history.push(state.active);
  }
  return history;
}

describe('core policy', () => {
  it('adds a core above the queue threshold, with the numbers in the reason', () => {
    const d = decideCores(threads(2, { queueLength: 40, queueDelayUs: 100, idle: 0.05 }), { active: 2, lastChangeAt: 0 }, cfg, 1000);
    assert.deepEqual(d, { action: 'add', to: 3, reason: 'queue 40.0 > 32 (queue 40.0, delay 100 µs, idle 5% on 2 core(s))' });
  });

  it('adds a core when the queuing delay threatens the SLO even with a short queue', () => {
    const d = decideCores(threads(1, { queueLength: 10, queueDelayUs: 300, idle: 0.2 }), { active: 1, lastChangeAt: 0 }, cfg, 1000);
    assert.equal(d.action, 'add');
    assert.match(d.reason, /delay 300 µs > half the 500 µs SLO/);
  });

  it('does not add a core for delay on an idle thread (the CPU is busy with someone else)', () => {
    const d = decideCores(threads(1, { queueLength: 0.1, queueDelayUs: 600, idle: 0.97 }), { active: 1, lastChangeAt: 0 }, cfg, 1000);
    assert.equal(d.action, 'hold');
  });

  it('respects the bounds and the cooldowns', () => {
    assert.equal(decideCores(threads(4, { queueLength: 99, queueDelayUs: 0, idle: 0 }), { active: 4, lastChangeAt: 0 }, cfg, 9999).action, 'hold');
    assert.equal(decideCores(threads(2, { queueLength: 99, queueDelayUs: 0, idle: 0 }), { active: 2, lastChangeAt: 950 }, cfg, 1000).action, 'hold');
    assert.equal(decideCores(threads(1, { queueLength: 0, queueDelayUs: 0, idle: 1 }), { active: 1, lastChangeAt: 0 }, cfg, 9999).action, 'hold', 'never below min');
    assert.equal(decideCores(threads(3, { queueLength: 0, queueDelayUs: 0, idle: 0.9 }), { active: 3, lastChangeAt: 0 }, cfg, 1500).action, 'hold', 'remove cooldown');
    assert.deepEqual(decideCores([], { active: 0, lastChangeAt: 0 }, cfg, 0), { action: 'add', to: 1, reason: '0 active cores is below the minimum 1' });
  });

  it('removes a core only when the rest would not be congested', () => {
    const idle = decideCores(threads(3, { queueLength: 1, queueDelayUs: 5, idle: 0.8 }), { active: 3, lastChangeAt: 0 }, cfg, 5000);
    assert.equal(idle.action, 'remove');
    const wouldBeBusy = decideCores(threads(2, { queueLength: 2, queueDelayUs: 5, idle: 0.55 }), { active: 2, lastChangeAt: 0 }, cfg, 5000);
    assert.equal(wouldBeBusy.action, 'hold');
    assert.match(wouldBeBusy.reason, /1 core\(s\) would be 90% busy/);
  });

  it('reacts to a load step within tens of milliseconds and gives cores back after it falls', () => {
    // 0.3 core of work, then 2.5 cores for 3 s, then 0.3 again.
    const h = replay((s) => (s >= 100 && s < 400 ? 2.5 : 0.3), 1000);
    const firstAdd = h.findIndex((n, i) => i >= 100 && n > 1);
    assert.ok(firstAdd - 100 <= 2, `a core within 20 ms of the step (after ${(firstAdd - 100) * 10} ms)`);
    assert.equal(h[399], 3, 'enough cores for 2.5 cores of work, no more: needed + 1 at most');
    assert.equal(h[999], 1, 'back to one core after the load falls');
    assert.ok(h.indexOf(1, 400) - 400 < 800, 'cores returned within seconds');
  });

  it('never flaps on a steady load', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 3.6, noNaN: true }), (work) => {
      const h = replay(() => work, 1500);
      const settled = h.slice(1000);
      const changes = settled.filter((n, i) => i > 0 && n !== settled[i - 1]).length;
      assert.equal(changes, 0, `steady ${work.toFixed(2)} cores of work keeps a steady core count (${settled[0]})`);
      assert.ok(settled[0]! <= Math.ceil(work) + 1, 'never more than needed + 1');
    }), { numRuns: 200 });
  });
});
