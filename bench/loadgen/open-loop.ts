/**
 * The open-loop send loop of one generator worker. Batches of `depth` requests arrive as a Poisson
 * process and are sent when due whether or not earlier ones were answered; latency runs from the
 * *scheduled* time to the full response, so a stalled server or a late generator shows up in the
 * percentiles instead of being hidden (coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadConnection } from './load-connection.ts';
import { PoissonSchedule, Xorshift32 } from './poisson.ts';
import { createLatencyHistogram, encodeHistogram, recordMicros } from './histogram.ts';
import type { Workload } from './workload.ts';
import type { StepSpec, Target, WorkerReport } from './messages.ts';

const MAX_BATCHES_PER_TURN = 256;

export async function runOpenLoop(target: Target, workload: Workload, step: StepSpec): Promise<WorkerReport> {
  const rng = new Xorshift32(step.seed);
  const histogram = createLatencyHistogram();
  let measureStart = Infinity;
  let measureEnd = Infinity;
  let completedInWindow = 0;
  let errors = 0;
  let misses = 0;
  let firstError: string | undefined;

  const onResponse = (kind: string, scheduled: number, received: number, errorLine?: string) => {
    if (errorLine !== undefined) firstError ??= errorLine;
    if (received >= measureStart && received < measureEnd) completedInWindow++;
    if (scheduled < measureStart) return;
    recordMicros(histogram, (received - scheduled) * 1000);
    if (kind === 'miss') misses++;
    else if (kind !== 'hit' && kind !== 'stored') errors++;
  };
  const conns = await Promise.all(Array.from({ length: step.connections }, () => LoadConnection.connect(target, onResponse)));

  const start = performance.now();
  measureStart = start + step.warmupMs;
  measureEnd = measureStart + step.durationMs;
  const schedule = new PoissonSchedule(step.rate / step.depth, start, rng);
  let due = schedule.next();
  let scheduled = 0;
  let maxSendLagMs = 0;
  let unsent = 0;
  const batch: Buffer[] = new Array<Buffer>(step.depth);
  // Busy-poll with setImmediate: timers have millisecond granularity, far coarser than the gaps
  // between arrivals, and each turn still lets the event loop read responses. Plain callbacks, not
  // a promise per turn: the garbage of hundreds of thousands of turns a second means scavenges,
  // and every pause of the generator is latency charged to the server.
  await new Promise<void>((resolve) => {
    const turn = () => {
      const now = performance.now();
      // Behind schedule (an overload step), a turn still sends at most MAX_BATCHES_PER_TURN so
      // that responses keep being read and timestamped between bursts of sends.
      for (let sent = 0; due <= now && due < measureEnd && sent < MAX_BATCHES_PER_TURN; sent++) {
        for (let i = 0; i < step.depth; i++) batch[i] = workload.pick(rng);
        const conn = conns[Math.floor(rng.next() * conns.length)]!;
        conn.send(step.depth === 1 ? batch[0]! : Buffer.concat(batch), step.depth, due);
        if (due >= measureStart) scheduled += step.depth;
        if (now - due > maxSendLagMs) maxSendLagMs = now - due;
        due = schedule.next();
      }
      // A generator that cannot keep up stops at the end of the window all the same: the step
      // would otherwise last as long as the backlog; what it never sent is counted as unsent.
      if (due < measureEnd && now < measureEnd) {
        setImmediate(turn);
        return;
      }
      for (; due < measureEnd; due = schedule.next()) if (due >= measureStart) unsent += step.depth;
      resolve();
    };
    turn();
  });

  const drainDeadline = performance.now() + step.drainMs;
  while (conns.some((c) => c.outstanding > 0 && !c.failure) && performance.now() < drainDeadline) await sleep(1);
  // Requests never answered count at least as late as the drain deadline; dropping them would
  // flatter an overloaded server.
  let unanswered = 0;
  const giveUp = performance.now();
  for (const c of conns) {
    for (const t of c.pending()) {
      if (t < measureStart) continue;
      unanswered++;
      recordMicros(histogram, (giveUp - t) * 1000);
    }
  }
  const failure = conns.find((c) => c.failure)?.failure;
  for (const c of conns) c.close();
  if (failure) throw failure;
  return { scheduled, completedInWindow, errors, misses, unanswered, unsent, maxSendLagMs, firstError, histogram: encodeHistogram(histogram) };
}
