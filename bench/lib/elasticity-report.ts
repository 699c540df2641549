/**
 * The elasticity benchmark's report: the per-trace tables, the timeline CSV and the figure, from
 * the runs' timelines and the metrics of elasticity-metrics.ts.
 */
import type { StepResult, TraceResult } from '../loadgen/load-generator.ts';
import type { LoadTrace } from './load-trace.ts';
import { bestStatic, coreSeconds, missed, missSummary, stepReactions, steadyStates, threadsPerWindow } from './elasticity-metrics.ts';
import type { BestStatic, RunTimeline, StepReaction, SteadyState, ThreadEvent } from './elasticity-metrics.ts';
import { renderFigure } from './svg-plot.ts';
import type { Column, Figure } from './svg-plot.ts';
import { table } from './table.ts';

/** A sample of the server's own view, GET /v1/load (elastic runs). */
export interface ServerLoadSample { tMs: number; queueDelayP99Us: number; threads: number }

export interface ConfigRun {
  /** "elastic" or "static <k>". */
  config: string;
  staticThreads?: number;
  result: TraceResult;
  threads: ThreadEvent[];
  serverLoad: ServerLoadSample[];
  /** The elastic server's decisions as it wrote them, with their time (ms from the trace start). */
  decisions: { tMs: number; line: string }[];
}

export interface TraceRuns {
  trace: LoadTrace;
  runs: ConfigRun[];
}

export interface TraceAnalysis {
  trace: LoadTrace;
  durationMs: number;
  best?: BestStatic;
  reactions: Map<string, StepReaction[]>;
  steady: SteadyState[];
}

export const timeline = (r: ConfigRun): RunTimeline => ({ config: r.config, staticThreads: r.staticThreads, windows: r.result.windows, threads: r.threads });

export function analyse(t: TraceRuns, sloUs: number): TraceAnalysis {
  const durationMs = t.trace.rates.length * t.trace.windowMs;
  const elastic = t.runs.find((r) => r.staticThreads === undefined);
  const statics = t.runs.filter((r) => r.staticThreads !== undefined).map(timeline);
  return {
    trace: t.trace,
    durationMs,
    best: elastic && statics.length ? bestStatic(timeline(elastic), statics, sloUs, durationMs) : undefined,
    reactions: new Map(t.runs.map((r) => [r.config, stepReactions(t.trace, timeline(r), sloUs)])),
    steady: elastic && statics.length ? steadyStates(t.trace, timeline(elastic), statics, sloUs) : [],
  };
}

const rate = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number) => (Number.isFinite(n) ? rate(n) : '-');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | undefined) => (x === undefined ? 'never' : `${Math.round(x)}`);

export function summaryTable(t: TraceRuns, a: TraceAnalysis, sloUs: number): string {
  const bestCs = a.best?.coreSeconds;
  const rows = t.runs.map((r) => {
    const cs = coreSeconds(r.threads, a.durationMs);
    const m = missSummary(r.result.windows, sloUs);
    const isBest = r.staticThreads !== undefined && r.staticThreads === a.best?.threads;
    return [
      r.config + (isBest ? ' (best static)' : ''),
      cs.toFixed(1),
      bestCs ? `${(cs / bestCs).toFixed(2)}x` : '-',
      `${pct(m.share)} (${m.missed}/${m.counted})`,
      us(r.result.overall.p99),
      r.result.totals.unanswered + r.result.totals.errors,
      r.result.totals.unsent,
      r.result.maxSendLagMs.toFixed(1),
    ];
  });
  return table(['config', 'core-s', '/ best static', `windows p99 > ${sloUs} µs`, 'p99 µs', 'lost', 'unsent', 'gen lag ms'], rows);
}

/** One row per step of the trace: the elastic run's reaction, and how long each static run's p99 took to recover. */
export function reactionTable(t: TraceRuns, a: TraceAnalysis): string {
  const elastic = t.runs.find((r) => r.staticThreads === undefined);
  const statics = t.runs.filter((r) => r.staticThreads !== undefined);
  const rows = t.trace.steps.map((s, i) => {
    const e = elastic ? a.reactions.get(elastic.config)![i]! : undefined;
    const dir = s.to > s.from ? 'up' : 'down';
    return [
      `${((s.window * t.trace.windowMs) / 1000).toFixed(1)} s ${dir} ${rate(s.from)} → ${rate(s.to)}`,
      e ? (dir === 'up' ? `+1 after ${ms(e.coreChangeMs)}` : `-1 after ${ms(e.coreChangeMs)}`) : '-',
      e ? ms(e.sloRecoveredMs) : '-',
      ...statics.map((r) => ms(a.reactions.get(r.config)![i]!.sloRecoveredMs)),
    ];
  });
  return table(['step (req/s)', 'elastic: thread ms', 'elastic: p99 ok ms', ...statics.map((r) => `${r.config}: p99 ok ms`)], rows);
}

export function steadyTable(a: TraceAnalysis): string {
  const ks = a.steady[0] ? [...a.steady[0].staticShares.keys()] : [];
  const rows = a.steady.map((s) => [
    `${s.label} (${(s.fromMs / 1000).toFixed(1)}-${(s.toMs / 1000).toFixed(1)} s)`,
    rate(s.rate),
    s.elasticMean.toFixed(2),
    s.elasticMax,
    s.needed ?? 'none met',
    ...ks.map((k) => pct(s.staticShares.get(k)!)),
    s.needed === undefined ? '-' : s.overProvisioned ? 'OVER needed + 1' : 'ok',
  ]);
  return table(['phase (last half)', 'req/s', 'elastic mean thr', 'max', 'needed', ...ks.map((k) => `static ${k} missed`), 'check'], rows);
}

/** Without a rate meeting the SLO, one thread's capacity is taken as this share of its saturated throughput. */
export const FALLBACK_SHARE_OF_PEAK = 0.5;

/**
 * One thread's capacity from the calibration: the highest rate that met the SLO or, when none
 * did (the machine's latency tail is above the SLO at any load), half of what the thread
 * delivered saturated, with a warning saying so.
 */
export function calibratedCapacity(bestRate: number, peak: StepResult, lowestProbe: StepResult | undefined, sloUs: number): { capacity: number; warning?: string } {
  if (bestRate > 0) return { capacity: bestRate };
  const capacity = Math.round(FALLBACK_SHARE_OF_PEAK * peak.achieved);
  if (!(capacity > 0)) throw new Error(`calibration: no rate met p99 <= ${sloUs} µs on one thread and it delivered nothing saturated; give --low and --high`);
  const floor = lowestProbe ? ` (p99 ${rate(lowestProbe.p99)} µs at ${rate(lowestProbe.offered)} req/s, p50 ${rate(lowestProbe.p50)} µs)` : '';
  return {
    capacity,
    warning: `no rate met p99 <= ${sloUs} µs on one thread, not even the lowest${floor}: this machine's latency tail is above the SLO at any load. One thread's capacity is taken as half of its saturated throughput, ${rate(capacity)} req/s; every configuration will miss the SLO in most windows. Give a larger --slo-p99-us for a comparison against an SLO this machine can meet.`,
  };
}

/** The traces must load a thread well past half of what it delivers saturated, or it never congests. */
export const MIN_HIGH_SHARE_OF_PEAK = 0.5;

/**
 * A warning when the traces' top rate is under half of one thread's saturated throughput: then the
 * capacity the SLO search found is bounded by the machine's latency tail (stalls of a shared
 * machine), not by the thread, and the traces will hardly load it.
 */
export function underloadWarning(high: number, peak: StepResult | undefined): string | undefined {
  if (!peak || !(peak.achieved > 0) || high >= MIN_HIGH_SHARE_OF_PEAK * peak.achieved) return undefined;
  const pctOfPeak = Math.round((100 * high) / peak.achieved);
  return `the traces top out at ${rate(high)} req/s, ${pctOfPeak}% of the ${rate(peak.achieved)} req/s one thread delivers saturated: the p99 bound, not the thread, limited the capacity found (this machine's latency tail), so the traces hardly load a thread. Give a larger --slo-p99-us, or --capacity / --low --high.`;
}

export const CSV_HEADER = 't_ms,trace,config,offered,achieved,active_threads,p99_us,missed,lost,unsent,server_queue_p99_us';

export function timelineCsv(traces: readonly TraceRuns[], sloUs: number): string {
  const lines = [CSV_HEADER];
  for (const t of traces) {
    const W = t.trace.windowMs;
    for (const r of t.runs) {
      const threads = threadsPerWindow(r.threads, W, r.result.windows.length);
      r.result.windows.forEach((w, i) => {
        const m = missed(w, sloUs);
        // The last sample of the server's own p99 taken during the window.
        const s = r.serverLoad.filter((x) => x.tMs >= i * W && x.tMs < (i + 1) * W).at(-1);
        lines.push([
          i * W, t.trace.name, r.config, Math.round(w.offered), Math.round(w.achieved), threads[i]!.toFixed(2),
          w.count > 0 ? w.p99 : '', m === undefined ? '' : m ? 1 : 0, w.unanswered + w.errors, w.unsent, s ? s.queueDelayP99Us : '',
        ].join(','));
      });
    }
  }
  return lines.join('\n') + '\n';
}

const ELASTIC_COLOR = '#1f77b4';
const STATIC_COLOR = '#ff7f0e';

/** Offered and achieved load, active threads, and p99 against the SLO: one column per trace. */
export function elasticityFigure(traces: readonly TraceRuns[], analyses: readonly TraceAnalysis[], sloUs: number, subtitle: string, maxThreads: number): string {
  const columns: Column[] = traces.map((t, i) => {
    const a = analyses[i]!;
    const W = t.trace.windowMs;
    const sec = (tMs: number) => tMs / 1000;
    const end = sec(a.durationMs);
    const elastic = t.runs.find((r) => r.staticThreads === undefined);
    const best = t.runs.find((r) => r.staticThreads !== undefined && r.staticThreads === a.best?.threads);
    const stepPoints = (v: readonly number[]) => [...v.map((y, w) => [sec(w * W), y] as const), [end, v.at(-1)!] as const];
    const mid = (v: readonly number[]) => v.map((y, w) => [sec((w + 0.5) * W), y] as const);
    const threadPoints = (ev: readonly ThreadEvent[]) => [...ev.map((e) => [sec(e.tMs), e.threads] as const), [end, ev.at(-1)!.threads] as const];
    const bestLabel = best ? `${best.config} (best static)` : '';
    return {
      title: `${t.trace.name} trace`,
      xMax: end,
      panels: [
        {
          yLabel: 'load (req/s)',
          series: [
            { name: 'offered', color: '#555555', points: stepPoints(t.trace.rates), step: true },
            ...(elastic ? [{ name: 'achieved (elastic)', color: ELASTIC_COLOR, points: mid(elastic.result.windows.map((w) => w.achieved)) }] : []),
            ...(best ? [{ name: `achieved (${best.config})`, color: STATIC_COLOR, points: mid(best.result.windows.map((w) => w.achieved)), dash: '5 3', width: 1 }] : []),
          ],
        },
        {
          yLabel: 'active threads',
          yMin: 0,
          yMax: maxThreads + 1,
          series: [
            ...(elastic ? [{ name: 'elastic', color: ELASTIC_COLOR, points: threadPoints(elastic.threads), step: true, width: 2 }] : []),
            ...(best ? [{ name: bestLabel, color: STATIC_COLOR, points: threadPoints(best.threads), step: true, dash: '6 4' }] : []),
          ],
        },
        {
          yLabel: 'p99 (µs, log)',
          log: true,
          series: [
            ...(elastic ? [{ name: 'elastic', color: ELASTIC_COLOR, points: mid(elastic.result.windows.map((w) => w.p99)) }] : []),
            ...(best ? [{ name: bestLabel, color: STATIC_COLOR, points: mid(best.result.windows.map((w) => w.p99)), dash: '5 3', width: 1 }] : []),
          ],
          lines: [{ y: sloUs, label: `SLO ${sloUs} µs`, color: '#d62728', dash: '8 4' }],
        },
      ],
    };
  });
  const figure: Figure = { title: 'Elasticity: the local controller against static thread counts', subtitle, xLabel: 'time (s)', columns };
  return renderFigure(figure);
}
