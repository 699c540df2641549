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
