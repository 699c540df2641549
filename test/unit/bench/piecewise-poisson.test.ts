import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PiecewisePoissonSchedule, Xorshift32, windowIndex } from '../../../bench/loadgen/poisson.ts';

function arrivals(rates: number[], windowMs: number, startMs: number, seed: number): number[] {
  const s = new PiecewisePoissonSchedule(rates, windowMs, startMs, new Xorshift32(seed));
  const out: number[] = [];
  for (let t = s.next(); t !== Infinity; t = s.next()) out.push(t);
  return out;
}

function countsPerWindow(times: number[], windows: number, windowMs: number, startMs: number): number[] {
  const c = new Array<number>(windows).fill(0);
  for (const t of times) c[windowIndex(t, startMs, windowMs, windows)]!++;
  return c;
}

describe('PiecewisePoissonSchedule', () => {
  it('offers rate x window arrivals per window on average, within Poisson bounds', () => {
    // 200 runs of a 4-window trace: the mean count of each window is rate x window, and its
    // standard error is sqrt(mean / runs); 5 standard errors leave no room for a flaky failure.
    const rates = [1000, 20_000, 5000, 50_000]; // per second
    const windowMs = 50;
    const runs = 200;
    const sums = new Array<number>(rates.length).fill(0);
    const sq = new Array<number>(rates.length).fill(0);
    for (let r = 0; r < runs; r++) {
      const c = countsPerWindow(arrivals(rates, windowMs, 1000, r + 1), rates.length, windowMs, 1000);
      c.forEach((n, w) => {
        sums[w]! += n;
        sq[w]! += n * n;
      });
    }
    rates.forEach((rate, w) => {
      const expected = (rate * windowMs) / 1000;
      const mean = sums[w]! / runs;
      const variance = sq[w]! / runs - mean * mean;
      assert.ok(Math.abs(mean - expected) < 5 * Math.sqrt(expected / runs), `window ${w}: mean ${mean}, expected ${expected}`);
      // Poisson: the variance equals the mean (within a generous 25% for 200 samples).
      assert.ok(Math.abs(variance / expected - 1) < 0.25, `window ${w}: variance ${variance}, expected ${expected}`);
    });
  });

  it('leaves windows of rate 0 empty, and keeps arrivals increasing and inside their window', () => {
    const rates = [10_000, 0, 0, 10_000, 0];
    const times = arrivals(rates, 100, 0, 7);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!);
    const c = countsPerWindow(times, rates.length, 100, 0);
    assert.equal(c[1], 0);
    assert.equal(c[2], 0);
    assert.equal(c[4], 0);
    assert.ok(c[0]! > 800 && c[3]! > 800, `counts ${c.join(',')}`);
    assert.ok(times.every((t) => t > 0 && t < 400));
  });

  it('returns Infinity after the last window, and keeps doing so', () => {
    const s = new PiecewisePoissonSchedule([100_000], 10, 500, new Xorshift32(3));
    let last = 0;
    for (let t = s.next(); t !== Infinity; t = s.next()) last = t;
    assert.ok(last > 500 && last < 510);
    assert.equal(s.next(), Infinity);
    assert.equal(s.endMs, 510);
    assert.equal(new PiecewisePoissonSchedule([], 10, 0, new Xorshift32(1)).next(), Infinity);
    assert.equal(arrivals([0, 0, 0], 10, 0, 1).length, 0);
  });

  it('restarts at a boundary with the next rate: a low window does not delay the high one after it', () => {
    // One expected arrival per 10 s in the first window: its first gap almost surely crosses the
    // boundary, and the second window (100/ms) must start filling right at its start.
    const times = arrivals([0.1, 100_000], 10, 0, 11);
    const second = times.filter((t) => t >= 10);
    assert.ok(second.length > 900, `${second.length} arrivals in the second window`);
    assert.ok(second[0]! < 10.1, `first arrival of the second window at ${second[0]}`);
  });

  it('is reproducible from its seed', () => {
    assert.deepEqual(arrivals([5000, 100, 8000], 20, 3, 42), arrivals([5000, 100, 8000], 20, 3, 42));
  });

  it('refuses a non-positive window and negative or non-finite rates', () => {
    assert.throws(() => new PiecewisePoissonSchedule([1], 0, 0, new Xorshift32(1)), /window/);
    assert.throws(() => new PiecewisePoissonSchedule([1, -1], 10, 0, new Xorshift32(1)), /non-negative/);
    assert.throws(() => new PiecewisePoissonSchedule([Infinity], 10, 0, new Xorshift32(1)), /finite/);
  });
});

describe('windowIndex', () => {
  it('maps times to windows and -1 outside the trace', () => {
    assert.equal(windowIndex(100, 100, 10, 3), 0);
    assert.equal(windowIndex(109.999, 100, 10, 3), 0);
    assert.equal(windowIndex(110, 100, 10, 3), 1);
    assert.equal(windowIndex(129.9, 100, 10, 3), 2);
    assert.equal(windowIndex(130, 100, 10, 3), -1);
    assert.equal(windowIndex(99.9, 100, 10, 3), -1);
  });
});
