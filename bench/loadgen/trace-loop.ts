/**
 * The trace mode of a generator worker: the same open loop as a step (Poisson arrivals, latency
 * from the scheduled send time), but with a rate that changes every window, and everything counted
 * per window so that the coordinator can draw a timeline of the server's reaction to the load.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'hdr-histogram-js';
import { PiecewisePoissonSchedule, Xorshift32, windowIndex } from './poisson.ts';
import { createLatencyHistogram, encodeHistogram, recordMicros } from './histogram.ts';
import { connectAll, drainAndClose, runSendLoop } from './send-loop.ts';
import type { Workload } from './workload.ts';
import type { Target, TraceSpec, TraceWorkerReport } from './messages.ts';

/**
 * A clock every thread of the process reads alike (ms since the epoch, sub-millisecond): each
 * worker thread has its own performance.timeOrigin, so performance.now() alone differs by thread.
 */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function runTrace(target: Target, workload: Workload, trace: TraceSpec): Promise<TraceWorkerReport> {
  const n = trace.rates.length;
  const zeros = () => new Array<number>(n).fill(0);
  const report: TraceWorkerReport = { scheduled: zeros(), completed: zeros(), errors: zeros(), misses: zeros(), unanswered: zeros(), unsent: zeros(), lagMs: zeros(), histograms: new Array<string>(n).fill('') };
  // Allocated when a window gets its first response: a histogram is tens of kilobytes.
  const histograms: (Histogram | undefined)[] = new Array<Histogram | undefined>(n);
  const record = (w: number, micros: number) => recordMicros((histograms[w] ??= createLatencyHistogram()), micros);
  const start = trace.startAt - performance.timeOrigin;
  const windowOf = (t: number) => windowIndex(t, start, trace.windowMs, n);

  const conns = await connectAll(target, trace.connections, (kind, scheduled, received, errorLine) => {
    if (errorLine !== undefined) report.firstError ??= errorLine;
    const r = windowOf(received);
    if (r >= 0) report.completed[r]!++;
    const w = windowOf(scheduled);
    if (w < 0) return;
    record(w, (received - scheduled) * 1000);
    if (kind === 'miss') report.misses[w]!++;
    else if (kind !== 'hit' && kind !== 'stored') report.errors[w]!++;
  });

  const rng = new Xorshift32(trace.seed);
  const schedule = new PiecewisePoissonSchedule(trace.rates.map((r) => r / trace.depth), trace.windowMs, start, rng);
  // Sleep through most of the lead time rather than busy-poll it away from the server.
  const lead = start - performance.now();
  if (lead > 5) await sleep(lead - 2);
  await runSendLoop({
    conns, workload, depth: trace.depth, rng, next: () => schedule.next(), endMs: schedule.endMs,
    onSent: (due, lag) => {
      const w = windowOf(due);
      report.scheduled[w]! += trace.depth;
      if (lag > report.lagMs[w]!) report.lagMs[w] = lag;
    },
    onUnsent: (due) => {
      report.unsent[windowOf(due)]! += trace.depth;
    },
  });

  await drainAndClose(conns, trace.drainMs, (t, giveUp) => {
    const w = windowOf(t);
    if (w < 0) return;
    report.unanswered[w]!++;
    record(w, (giveUp - t) * 1000);
  });
  for (let w = 0; w < n; w++) if (histograms[w]) report.histograms[w] = encodeHistogram(histograms[w]!);
  return report;
}
