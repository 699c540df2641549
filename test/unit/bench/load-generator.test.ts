import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combine, split } from '../../../bench/loadgen/load-generator.ts';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '../../../bench/loadgen/histogram.ts';
import type { WorkerReport } from '../../../bench/loadgen/messages.ts';

describe('split', () => {
  it('shares connections near-equally and loses none', () => {
    assert.deepEqual(split(50, 2), [25, 25]);
    assert.deepEqual(split(50, 3), [17, 17, 16]);
    assert.deepEqual(split(1, 2), [1, 0]);
  });
});

describe('combine', () => {
  it('sums counters over the measured window and merges the histograms', () => {
    const report = (latency: number, n: number, lag: number): WorkerReport => {
      const h = createLatencyHistogram();
      for (let i = 0; i < n; i++) recordMicros(h, latency);
      return { scheduled: n, completedInWindow: n, completedTotal: n + 10, errors: 1, misses: 2, unanswered: 0, unsent: 3, maxSendLagMs: lag, generatorCpuMs: 100, gcMaxMs: lag, gcTotalMs: 2 * lag, histogram: encodeHistogram(h) };
    };
    const step = { rate: 1500, connections: 2, depth: 1, warmupMs: 0, durationMs: 2000, drainMs: 0, seed: 1 };
    const r = combine(step, [report(50, 2000, 0.5), report(5000, 1000, 3)]);
    assert.equal(r.offered, 1500);
    assert.equal(r.achieved, 1500); // 3000 responses in 2 s
    assert.equal(r.errors, 2);
    assert.equal(r.misses, 4);
    assert.equal(r.unsent, 6);
    assert.equal(r.maxSendLagMs, 3);
    assert.equal(r.generatorCpuMs, 200, 'the threads\' CPU time adds up');
    assert.equal(r.gcMaxMs, 3, 'the longest pause of any thread');
    assert.equal(r.gcTotalMs, 7);
    assert.equal(r.count, 3000);
    assert.equal(r.completedTotal, 3020);
    assert.equal(r.p50, 50);
    assert.ok(Math.abs(r.p99 - 5000) <= 5);
  });
});
