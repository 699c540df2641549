/**
 * What the elasticity benchmark computes from the timelines of its runs (pure, so that it can be
 * checked on synthetic timelines). Times are ms from the start of the trace; a run's windows are
 * the trace's windows.
 *   missed window   its p99 is above the SLO (a window without requests counts neither way)
 *   core-seconds    the integral of the active threads over the trace
 *   step up         time until the next thread is added, and until p99 is back under the SLO and
 *                   stays there for RECOVERED_WINDOWS windows
 *   step down       time until a thread is given back
 *   steady state    the last half of each phase of a steps trace: the elastic run's mean threads
 *                   against the fewest static threads that met the SLO there ("needed")
 *   best static     the fewest static threads whose missed-window share is no worse than the
 *                   elastic run's (the most threads if none is)
 */
import type { LoadTrace } from './load-trace.ts';

/** The active threads changed to `threads` at `tMs` (the first event gives the count at the start). */
export interface ThreadEvent { tMs: number; threads: number }

export interface RunWindow { count: number; p99: number }

export interface RunTimeline {
  config: string;
  /** Set for a run with a fixed thread count. */
  staticThreads?: number;
  windows: RunWindow[];
  threads: ThreadEvent[];
}

/** Windows in a row under the SLO that count as recovered. */
export const RECOVERED_WINDOWS = 3;
/** A static allocation meets the SLO in a steady state when at most this share of its windows missed it. */
export const STEADY_MISS_TOLERANCE = 0.1;

export function threadsAt(events: readonly ThreadEvent[], tMs: number): number {
  if (events.length === 0) throw new Error('no thread events');
  let n = events[0]!.threads;
  for (const e of events) {
    if (e.tMs > tMs) break;
    n = e.threads;
  }
  return n;
}

/** ∫ threads dt over [fromMs, toMs), in thread-ms. */
export function threadMs(events: readonly ThreadEvent[], fromMs: number, toMs: number): number {
  let total = 0;
  let t = fromMs;
  let n = threadsAt(events, fromMs);
  for (const e of events) {
    if (e.tMs <= fromMs) continue;
    if (e.tMs >= toMs) break;
    total += n * (e.tMs - t);
    t = e.tMs;
    n = e.threads;
  }
  return total + n * Math.max(0, toMs - t);
}

export function meanThreads(events: readonly ThreadEvent[], fromMs: number, toMs: number): number {
  return toMs > fromMs ? threadMs(events, fromMs, toMs) / (toMs - fromMs) : threadsAt(events, fromMs);
}

export function maxThreads(events: readonly ThreadEvent[], fromMs: number, toMs: number): number {
  let max = threadsAt(events, fromMs);
  for (const e of events) if (e.tMs > fromMs && e.tMs < toMs) max = Math.max(max, e.threads);
  return max;
}

export function coreSeconds(events: readonly ThreadEvent[], durationMs: number): number {
  return threadMs(events, 0, durationMs) / 1000;
}

/** Mean active threads in each window. */
export function threadsPerWindow(events: readonly ThreadEvent[], windowMs: number, windows: number): number[] {
  return Array.from({ length: windows }, (_, w) => meanThreads(events, w * windowMs, (w + 1) * windowMs));
}

/** true: missed the SLO; false: met it; undefined: no requests. */
export function missed(w: RunWindow, sloUs: number): boolean | undefined {
  return w.count > 0 ? w.p99 > sloUs : undefined;
}

export interface MissSummary { missed: number; counted: number; share: number }

export function missSummary(windows: readonly RunWindow[], sloUs: number, from = 0, to = windows.length): MissSummary {
  let m = 0;
  let counted = 0;
  for (const w of windows.slice(from, to)) {
    const x = missed(w, sloUs);
    if (x === undefined) continue;
    counted++;
    if (x) m++;
  }
  return { missed: m, counted, share: counted > 0 ? m / counted : 0 };
}

export interface StepReaction {
  /** When the step happened (ms). */
  tMs: number;
  from: number;
  to: number;
  direction: 'up' | 'down';
  /** Up: until the next thread was added; down: until one was given back; undefined: none before the next step. */
  coreChangeMs?: number;
  /** Until p99 was back under the SLO for RECOVERED_WINDOWS windows (0: it never left); undefined: not before the next step. */
  sloRecoveredMs?: number;
}

export function stepReactions(trace: LoadTrace, run: RunTimeline, sloUs: number): StepReaction[] {
  const W = trace.windowMs;
  return trace.steps.map((step, i) => {
    const horizonWindow = trace.steps[i + 1]?.window ?? trace.rates.length;
    const tMs = step.window * W;
    const horizonMs = horizonWindow * W;
    const direction = step.to > step.from ? 'up' : 'down';
    const r: StepReaction = { tMs, from: step.from, to: step.to, direction };
    // The count just before the step: a change at the step's very instant is a reaction to it.
    let before = threadsAt(run.threads, tMs - 1e-6);
    for (const e of run.threads) {
      if (e.tMs < tMs) continue;
      if (e.tMs >= horizonMs) break;
      if (direction === 'up' ? e.threads > before : e.threads < before) {
        r.coreChangeMs = e.tMs - tMs;
        break;
      }
      before = e.threads;
    }
    for (let w = step.window; w + RECOVERED_WINDOWS <= horizonWindow; w++) {
      if (run.windows.slice(w, w + RECOVERED_WINDOWS).every((x) => missed(x, sloUs) !== true)) {
        r.sloRecoveredMs = w * W - tMs;
        break;
      }
    }
    return r;
  });
}

export interface SteadyState {
  label: string;
  rate: number;
  fromMs: number;
  toMs: number;
  elasticMean: number;
  elasticMax: number;
  /** Missed-window share of each static run there, by thread count. */
  staticShares: Map<number, number>;
  /** The fewest static threads that met the SLO there; undefined if none did. */
  needed?: number;
  /** The elastic run held more than needed + 1 threads on average. */
  overProvisioned: boolean;
}

/** The last half of every phase of a steps trace. */
export function steadyStates(trace: LoadTrace, elastic: RunTimeline, statics: readonly RunTimeline[], sloUs: number): SteadyState[] {
  if (trace.steps.length === 0) return [];
  const W = trace.windowMs;
  const byThreads = [...statics].sort((a, b) => a.staticThreads! - b.staticThreads!);
  return trace.phases.map((p) => {
    const from = p.start + Math.floor((p.end - p.start) / 2);
    const staticShares = new Map(byThreads.map((s) => [s.staticThreads!, missSummary(s.windows, sloUs, from, p.end).share]));
    const needed = byThreads.find((s) => staticShares.get(s.staticThreads!)! <= STEADY_MISS_TOLERANCE)?.staticThreads;
    const elasticMean = meanThreads(elastic.threads, from * W, p.end * W);
    return {
      label: p.label, rate: trace.rates[p.start]!, fromMs: from * W, toMs: p.end * W,
      elasticMean, elasticMax: maxThreads(elastic.threads, from * W, p.end * W),
      staticShares, needed, overProvisioned: needed !== undefined && elasticMean > needed + 1,
    };
  });
}

export interface BestStatic { threads: number; share: number; coreSeconds: number; elasticCoreSeconds: number; ratio: number; matched: boolean }

/** The best static allocation for the elastic run to be compared with, and its core-seconds ratio. */
export function bestStatic(elastic: RunTimeline, statics: readonly RunTimeline[], sloUs: number, durationMs: number): BestStatic {
  if (statics.length === 0) throw new Error('no static runs');
  const target = missSummary(elastic.windows, sloUs).share;
  const byThreads = [...statics].sort((a, b) => a.staticThreads! - b.staticThreads!);
  // A tolerance of one part in a million: shares computed over the same windows are exact ratios.
  const found = byThreads.find((s) => missSummary(s.windows, sloUs).share <= target + 1e-6);
  const best = found ?? byThreads[byThreads.length - 1]!;
  const cs = coreSeconds(best.threads, durationMs);
  const ecs = coreSeconds(elastic.threads, durationMs);
  return { threads: best.staticThreads!, share: missSummary(best.windows, sloUs).share, coreSeconds: cs, elasticCoreSeconds: ecs, ratio: ecs / cs, matched: found !== undefined };
}
