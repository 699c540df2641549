/**
 * Load traces for the elasticity benchmark: an offered rate (req/s) per window, with labelled
 * phases. Pure: the same options give the same trace.
 *   steps    low → high → low → higher → low, each phase `phaseMs` long: two steps up (the second
 *            larger) and two steps down, to time how fast cores come and go;
 *   diurnal  a compressed day: a raised cosine from low up to high and back to low.
 */

export interface TracePhase {
  label: string;
  /** First window of the phase. */
  start: number;
  /** One past its last window. */
  end: number;
}

/** A change of the offered rate between two windows of a steps trace. */
export interface TraceStep {
  /** The first window at the new rate. */
  window: number;
  from: number;
  to: number;
}

export interface LoadTrace {
  name: string;
  windowMs: number;
  rates: number[];
  phases: TracePhase[];
  /** The rate changes a steps trace is made of (none for a smooth trace). */
  steps: TraceStep[];
}

export interface TraceOptions {
  /** Req/s at the bottom of the trace. */
  low: number;
  /** Req/s at its top. */
  high: number;
  windowMs: number;
}

/** The first step up goes this far from low to high; the second goes all the way. */
export const FIRST_STEP_SHARE = 0.6;

export function stepsTrace(o: TraceOptions & { phaseMs: number }): LoadTrace {
  check(o);
  const perPhase = Math.round(o.phaseMs / o.windowMs);
  if (perPhase < 1) throw new Error(`a phase (${o.phaseMs} ms) is shorter than a window (${o.windowMs} ms)`);
  const mid = o.low + FIRST_STEP_SHARE * (o.high - o.low);
  const levels: [string, number][] = [['low', o.low], ['high', mid], ['low', o.low], ['higher', o.high], ['low', o.low]];
  const rates: number[] = [];
  const phases: TracePhase[] = [];
  const steps: TraceStep[] = [];
  levels.forEach(([label, rate], i) => {
    const start = rates.length;
    if (i > 0 && rate !== levels[i - 1]![1]) steps.push({ window: start, from: levels[i - 1]![1], to: rate });
    for (let w = 0; w < perPhase; w++) rates.push(rate);
    phases.push({ label, start, end: rates.length });
  });
  return { name: 'steps', windowMs: o.windowMs, rates, phases, steps };
}

/** The raised cosine's phases: night, rising, peak (top quarter of the range), falling, night. */
const DIURNAL_PHASES: [string, number][] = [['night', 1 / 6], ['rising', 1 / 3], ['peak', 2 / 3], ['falling', 5 / 6], ['night', 1]];

export function diurnalTrace(o: TraceOptions & { durationMs: number }): LoadTrace {
  check(o);
  const n = Math.round(o.durationMs / o.windowMs);
  if (n < 2) throw new Error(`a diurnal trace needs at least two windows, got ${n}`);
  // Each window gets the curve's value at its middle.
  const rates = Array.from({ length: n }, (_, w) => o.low + (o.high - o.low) * (1 - Math.cos((2 * Math.PI * (w + 0.5)) / n)) / 2);
  const phases: TracePhase[] = [];
  let start = 0;
  for (const [label, until] of DIURNAL_PHASES) {
    const end = Math.round(until * n);
    if (end > start) phases.push({ label, start, end });
    start = Math.max(start, end);
  }
  return { name: 'diurnal', windowMs: o.windowMs, rates, phases, steps: [] };
}

function check(o: TraceOptions): void {
  if (!(o.windowMs > 0)) throw new Error(`window must be positive, got ${o.windowMs}`);
  if (!(o.low >= 0 && o.high >= o.low && Number.isFinite(o.high))) throw new Error(`need 0 <= low <= high, got low ${o.low}, high ${o.high}`);
}
