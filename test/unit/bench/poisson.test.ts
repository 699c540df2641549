import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exponentialGap, PoissonSchedule, Xorshift32 } from '../../../bench/loadgen/poisson.ts';

describe('Xorshift32', () => {
  it('draws in [0, 1), reproducibly from a seed, roughly uniformly', () => {
    const a = new Xorshift32(42);
    const b = new Xorshift32(42);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = a.next();
      assert.equal(u, b.next());
      assert.ok(u >= 0 && u < 1);
      buckets[Math.floor(u * 10)]!++;
    }
    for (const n of buckets) assert.ok(Math.abs(n - 10_000) < 500, `bucket count ${n}`);
  });

  it('survives a zero seed (a zero xorshift state would stay zero)', () => {
    const r = new Xorshift32(0);
    assert.notEqual(r.next(), r.next());
  });
});

describe('exponentialGap', () => {
  it('maps u = 0 to 0 and stays finite near 1', () => {
    assert.equal(exponentialGap(5, 0), 0);
    assert.ok(Number.isFinite(exponentialGap(5, 1 - 2 ** -32)));
  });
});

describe('PoissonSchedule', () => {
  const RATE = 50_000; // per second
  const N = 200_000;
  const times: number[] = [];
  const s = new PoissonSchedule(RATE, 1000, new Xorshift32(7));
  for (let i = 0; i < N; i++) times.push(s.next());
  const gaps = times.map((t, i) => t - (i === 0 ? 1000 : times[i - 1]!));

  it('is increasing and starts after the start time', () => {
    assert.ok(times[0]! > 1000);
    for (const g of gaps) assert.ok(g >= 0);
  });

  it('has exponential gaps: mean 1/rate, standard deviation equal to the mean', () => {
    const mean = gaps.reduce((a, g) => a + g, 0) / N;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (N - 1));
    const expected = 1000 / RATE; // ms
    assert.ok(Math.abs(mean / expected - 1) < 0.01, `mean gap ${mean} ms`);
    assert.ok(Math.abs(sd / mean - 1) < 0.02, `coefficient of variation ${sd / mean}`);
    // Memorylessness shows in the tail: P(gap > mean) = 1/e.
    const over = gaps.filter((g) => g > expected).length / N;
    assert.ok(Math.abs(over - Math.exp(-1)) < 0.01, `P(gap > mean) = ${over}`);
  });

  it('has Poisson counts per window: variance equal to the mean', () => {
    const windowMs = 1; // 50 arrivals expected per window
    const counts = new Map<number, number>();
    for (const t of times) counts.set(Math.floor((t - 1000) / windowMs), (counts.get(Math.floor((t - 1000) / windowMs)) ?? 0) + 1);
    const full = Math.floor((times[N - 1]! - 1000) / windowMs);
    const c = Array.from({ length: full }, (_, i) => counts.get(i) ?? 0);
    const mean = c.reduce((a, x) => a + x, 0) / c.length;
    const variance = c.reduce((a, x) => a + (x - mean) ** 2, 0) / (c.length - 1);
    assert.ok(Math.abs(mean / 50 - 1) < 0.02, `mean count ${mean}`);
    assert.ok(Math.abs(variance / mean - 1) < 0.1, `dispersion index ${variance / mean}`);
  });

  it('refuses a non-positive rate', () => {
    assert.throws(() => new PoissonSchedule(0, 0, new Xorshift32(1)), /positive/);
  });
});
