/**
 * Poisson arrivals for an open-loop load generator: exponential gaps between scheduled send times.
 * The generator is seeded so that two runs offer the same arrival pattern.
 */

/** xorshift32: tiny, fast and good enough to draw inter-arrival gaps (not for cryptography). */
export class Xorshift32 {
  private state: number;

  constructor(seed: number) {
    // A zero state would stay zero forever.
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 4294967296;
  }
}

/** An exponentially distributed gap with the given mean, from a uniform draw u in [0, 1). */
export function exponentialGap(mean: number, u: number): number {
  // 1 - u is in (0, 1], so the log is finite; log1p keeps precision for small u.
  return -Math.log1p(-u) * mean;
}

/** Successive scheduled times (in ms, like performance.now()) of a Poisson process. */
export class PoissonSchedule {
  private t: number;
  private readonly meanGapMs: number;

  constructor(ratePerSecond: number, startMs: number, private readonly rng: Xorshift32) {
    if (!(ratePerSecond > 0)) throw new Error(`rate must be positive, got ${ratePerSecond}`);
    this.meanGapMs = 1000 / ratePerSecond;
    this.t = startMs;
  }

  next(): number {
    this.t += exponentialGap(this.meanGapMs, this.rng.next());
    return this.t;
  }
}

/**
 * A non-homogeneous Poisson process whose rate is constant within each window of `windowMs`
 * (a load trace). Memorylessness makes it exact: a gap that would cross the end of a window is
 * dropped and the process restarts at the boundary with the next window's rate. A window of rate
 * 0 has no arrivals; after the last window `next()` returns Infinity.
 */
export class PiecewisePoissonSchedule {
  private t: number;
  private window = 0;

  constructor(private readonly ratesPerSecond: readonly number[], private readonly windowMs: number, private readonly startMs: number, private readonly rng: Xorshift32) {
    if (!(windowMs > 0)) throw new Error(`window must be positive, got ${windowMs}`);
    for (const r of ratesPerSecond) if (!(r >= 0) || !Number.isFinite(r)) throw new Error(`rates must be finite and non-negative, got ${r}`);
    this.t = startMs;
  }

  /** When the trace ends (ms): the end of its last window. */
  get endMs(): number {
    return this.windowEnd(this.ratesPerSecond.length - 1);
  }

  next(): number {
    while (this.window < this.ratesPerSecond.length) {
      const rate = this.ratesPerSecond[this.window]!;
      const end = this.windowEnd(this.window);
      if (rate > 0) {
        const t = this.t + exponentialGap(1000 / rate, this.rng.next());
        if (t < end) return (this.t = t);
      }
      this.window++;
      this.t = end;
    }
    return Infinity;
  }

  // Computed from the start, not accumulated, so that every user of the windows agrees on them.
  private windowEnd(w: number): number {
    return this.startMs + (w + 1) * this.windowMs;
  }
}

/** The window a time falls in, or -1 outside [startMs, startMs + windows × windowMs). */
export function windowIndex(tMs: number, startMs: number, windowMs: number, windows: number): number {
  const w = Math.floor((tMs - startMs) / windowMs);
  return w >= 0 && w < windows ? w : -1;
}
