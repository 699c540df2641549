import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { PreciseWake } from '../../../bench/loadgen/precise-wake.ts';

describe('PreciseWake', () => {
  it('runs each wake once, never before its time, one after another', async () => {
    const wake = new PreciseWake();
    try {
      for (const aheadMs of [0.3, 2, -1]) {
        const at = performance.now() + aheadMs;
        const ranAt = await new Promise<number>((resolve) => wake.at(at, () => resolve(performance.now())));
        // Times cross threads as timeOrigin + now(): doubles of about 1.8e12 ms, exact to a fraction of a µs.
        assert.ok(ranAt >= at - 0.001, `woken ${(at - ranAt).toFixed(3)} ms early`);
      }
      // What it learnt of its lateness stays within a timer slack and a timer's grain.
      assert.ok(wake.earlyMs >= 0.08 && wake.earlyMs <= 1, `earlyMs ${wake.earlyMs}`);
    } finally {
      await wake.close();
    }
  });

  it('refuses a second wake while one is pending (the send loop has one next arrival)', async () => {
    const wake = new PreciseWake();
    try {
      const done = new Promise<void>((resolve) => wake.at(performance.now() + 1, resolve));
      assert.throws(() => wake.at(performance.now() + 2, () => {}), /a wake is already pending/);
      await done;
    } finally {
      await wake.close();
    }
  });
});
