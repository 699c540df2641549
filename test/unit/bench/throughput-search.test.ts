import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meetsObjective, probeWithRetries, searchMaxRate } from '../../../bench/lib/throughput-search.ts';
import type { StepResult } from '../../../bench/loadgen/load-generator.ts';

/** A server that keeps up (and meets the objective) up to `capacity` req/s. */
function fakeServer(capacity: number) {
  const offered: number[] = [];
  const probe = async (rate: number) => {
    offered.push(rate);
    return { pass: rate <= capacity, result: { achieved: Math.min(rate, capacity) * 0.99 } };
  };
  return { probe, offered };
}

const OPTS = { start: 10_000, max: 1_280_000, min: 1000, bisectSteps: 3 };

describe('searchMaxRate', () => {
  it('doubles to the first failure, then bisects between the last pass and it', async () => {
    const s = fakeServer(50_000);
    const r = await searchMaxRate(s.probe, OPTS);
    assert.deepEqual(s.offered, [10_000, 20_000, 40_000, 80_000, 60_000, 50_000, 55_000]);
    assert.equal(r.bestRate, 50_000);
    assert.equal(r.best, 50_000 * 0.99);
    assert.equal(r.capped, false);
    assert.equal(r.probes.length, 7);
  });

  it('searches downwards when the start rate already fails', async () => {
    const s = fakeServer(3000);
    const r = await searchMaxRate(s.probe, OPTS);
    assert.deepEqual(s.offered, [10_000, 5000, 2500, 3750, 3125, 2813]);
    assert.equal(r.bestRate, 2813);
  });

  it('reports zero when even the floor fails', async () => {
    const r = await searchMaxRate(fakeServer(10).probe, OPTS);
    assert.equal(r.best, 0);
    assert.equal(r.bestRate, 0);
    assert.equal(r.capped, false);
  });

  it('marks the result capped when the cap itself passes', async () => {
    const s = fakeServer(Infinity);
    const r = await searchMaxRate(s.probe, { ...OPTS, max: 100_000 });
    assert.deepEqual(s.offered, [10_000, 20_000, 40_000, 80_000, 100_000]);
    assert.equal(r.capped, true);
    assert.equal(r.bestRate, 100_000);
  });
});

describe('meetsObjective', () => {
  const ok: StepResult = { offered: 10_000, achieved: 9990, scheduled: 20_000, completedTotal: 20_000, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0.2, generatorCpuMs: 0, gcMaxMs: 0, gcTotalMs: 0, count: 20_000, p50: 40, p99: 400, p999: 900, max: 1200, mean: 60, histogram: '' };

  it('needs p99 within the bound, no lost or failed request, and the offered rate delivered', () => {
    assert.equal(meetsObjective(ok, 500), true);
    assert.equal(meetsObjective({ ...ok, p99: 501 }, 500), false);
    assert.equal(meetsObjective({ ...ok, errors: 1 }, 500), false);
    assert.equal(meetsObjective({ ...ok, unanswered: 1 }, 500), false);
    assert.equal(meetsObjective({ ...ok, unsent: 16 }, 500), false);
    assert.equal(meetsObjective({ ...ok, achieved: 9000 }, 500), false);
    assert.equal(meetsObjective({ ...ok, count: 0 }, 500), false);
  });
});

describe('probeWithRetries', () => {
  const ok: StepResult = { offered: 10_000, achieved: 9990, scheduled: 20_000, completedTotal: 20_000, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0.2, generatorCpuMs: 0, gcMaxMs: 0, gcTotalMs: 0, count: 20_000, p50: 40, p99: 400, p999: 900, max: 1200, mean: 60, histogram: '' };

  it('repeats a failed step up to the retries and keeps the better try; a pass is not repeated', async () => {
    const tries = [700, 650, 450];
    let calls = 0;
    const step = async () => ({ ...ok, p99: tries[calls++]! });
    assert.deepEqual(await probeWithRetries(step, 1, 500)(10_000), { pass: false, result: { ...ok, p99: 650 } });
    assert.deepEqual(await probeWithRetries(step, 1, 500)(10_000), { pass: true, result: { ...ok, p99: 450 } });
    assert.equal(calls, 3);
  });
});
