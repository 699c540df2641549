/**
 * The open-loop send loop of one generator worker. Batches of `depth` requests arrive as a Poisson
 * process and are sent when due whether or not earlier ones were answered; latency runs from the
 * *scheduled* time to the full response, so a stalled server or a late generator shows up in the
 * percentiles instead of being hidden (coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import { PoissonSchedule, Xorshift32 } from './poisson.ts';
import { createLatencyHistogram, encodeHistogram, recordMicros } from './histogram.ts';
import { connectAll, drainAndClose, runSendLoop } from './send-loop.ts';
import { startThreadCosts } from './thread-costs.ts';
import type { Workload } from './workload.ts';
import type { StepSpec, Target, WorkerReport } from './messages.ts';

export async function runOpenLoop(target: Target, workload: Workload, step: StepSpec): Promise<WorkerReport> {
  const rng = new Xorshift32(step.seed);
  const histogram = createLatencyHistogram();
  let measureStart = Infinity;
  let measureEnd = Infinity;
  let completedInWindow = 0;
  let completedTotal = 0;
  let errors = 0;
  let misses = 0;
  let firstError: string | undefined;

  const conns = await connectAll(target, step.connections, (kind, scheduled, received, errorLine) => {
    if (errorLine !== undefined) firstError ??= errorLine;
    completedTotal++;
    if (received >= measureStart && received < measureEnd) completedInWindow++;
    if (scheduled < measureStart) return;
    recordMicros(histogram, (received - scheduled) * 1000);
    if (kind === 'miss') misses++;
    else if (kind !== 'hit' && kind !== 'stored') errors++;
  });

  const costs = startThreadCosts();
  const start = performance.now();
  measureStart = start + step.warmupMs;
  measureEnd = measureStart + step.durationMs;
  const schedule = new PoissonSchedule(step.rate / step.depth, start, rng);
  let scheduled = 0;
  let unsent = 0;
  const maxSendLagMs = await runSendLoop({
    conns, workload, depth: step.depth, rng, next: () => schedule.next(), endMs: measureEnd,
    onSent: (due) => {
      if (due >= measureStart) scheduled += step.depth;
    },
    onUnsent: (due) => {
      if (due >= measureStart) unsent += step.depth;
    },
  });

  let unanswered = 0;
  await drainAndClose(conns, step.drainMs, (t, giveUp) => {
    if (t < measureStart) return;
    unanswered++;
    recordMicros(histogram, (giveUp - t) * 1000);
  });
  const { cpuMs: generatorCpuMs, gcMaxMs, gcTotalMs } = costs();
  return { scheduled, completedInWindow, completedTotal, errors, misses, unanswered, unsent, maxSendLagMs, generatorCpuMs, gcMaxMs, gcTotalMs, firstError, histogram: encodeHistogram(histogram) };
}
