import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { autoscale, type AutoscaleMemory, type ReplicaLoad } from '../../../src/operator/rebalance/autoscale.ts';

const bounds = { enabled: true, minReplicas: 1, maxReplicas: 3 };
const timing = { outAfterMs: 6000, inAfterMs: 60_000 };
const saturated: ReplicaLoad = { held: 4, maxCpus: 4, minCpus: 1, active: 4, idle: 0.01, congested: true, idleEnough: false, stuck: false };
const idle: ReplicaLoad = { held: 1, maxCpus: 4, minCpus: 2, active: 1, idle: 0.9, congested: false, idleEnough: true, stuck: false };

/** Feeds the same loads every 2 s from t=0 to `until`, returns the decisions that were not 'hold'. */
function run(replicas: number, loads: (t: number) => ReplicaLoad[], until: number, b = bounds) {
  const mem: AutoscaleMemory = { lastScaleAt: -Infinity };
  const out: { t: number; action: string; to: number; reason: string }[] = [];
  for (let t = 0; t <= until; t += 2000) {
    const d = autoscale(b, replicas, loads(t).slice(0, replicas), mem, t, timing);
    if (d.action !== 'hold') {
      out.push({ t, ...d });
      replicas = d.to;
    }
  }
  return out;
}

describe('autoscale policy', () => {
  it('scales out once every replica is saturated for outAfterMs, one replica at a time, up to maxReplicas', () => {
    const d = run(1, () => [saturated, saturated, saturated, saturated], 40_000);
    assert.deepEqual(d.map((x) => [x.t, x.to]), [[6000, 2], [14_000, 3]], 'saturation is measured afresh after each change');
    assert.match(d[0]!.reason, /all 1 replica\(s\) congested for 6\.0s with no core left to add \(1 at cores\.max, 0 without free CPUs on their node\): 1 → 2/);
  });

  it('does not scale out while one replica still has cores to grow into, nor on a short burst', () => {
    assert.deepEqual(run(2, () => [saturated, { ...saturated, held: 2 }], 40_000), []);
    assert.deepEqual(run(1, (t) => (t < 4000 ? [saturated] : [idle]), 40_000, { ...bounds, minReplicas: 1 }), []);
    // A replica that cannot grow because its node is full counts as saturated.
    assert.equal(run(2, () => [saturated, { ...saturated, held: 2, stuck: true }], 10_000).length, 1);
  });

  it('scales in when the work fits, half-loaded, in one replica fewer for inAfterMs, never below minReplicas', () => {
    const d = run(3, () => [idle, idle, idle], 200_000, { ...bounds, minReplicas: 2 });
    assert.deepEqual(d.map((x) => [x.t, x.to]), [[60_000, 2]]);
    assert.match(d[0]!.reason, /0\.30 CPUs busy over 3 idle replica\(s\) for 60\.0s fit in 2/);
  });

  it('does not scale in when the busy CPUs would overfill the rest', () => {
    const warm: ReplicaLoad = { ...idle, active: 4, held: 4, idle: 0.6 }; // 1.6 busy CPUs each
    assert.deepEqual(run(2, () => [warm, warm], 200_000), []);
  });

  it('does nothing when disabled, and needs a reading of every replica', () => {
    assert.deepEqual(run(1, () => [saturated], 40_000, { ...bounds, enabled: false }), []);
    assert.deepEqual(run(3, () => [idle, idle], 200_000), [], 'a replica without a reading blocks scale-in');
  });
});
