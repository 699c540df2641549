/**
 * The parts of an open-loop run that do not depend on how arrivals are scheduled or counted: the
 * send loop that keeps to a schedule, and the drain that waits for late responses. The step mode
 * (open-loop.ts) and the trace mode (trace-loop.ts) differ only in their schedule and in what they
 * count, which they say through callbacks.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadConnection } from './load-connection.ts';
import { PreciseWake } from './precise-wake.ts';
import type { ResponseHandler } from './load-connection.ts';
import type { Xorshift32 } from './poisson.ts';
import type { Workload } from './workload.ts';
import type { Target } from './messages.ts';

export const MAX_BATCHES_PER_TURN = 256;
/**
 * A gap to the next arrival longer than this, beyond how early a wake must be asked for
 * (PreciseWake.earlyMs, its measured lateness), is slept through, not spun.
 */
export const SLEEP_OVER_MS = 0.1;

// One per generator thread (this module is loaded once per worker), made on first use.
let wake: PreciseWake | undefined;

export interface SendLoop {
  conns: readonly LoadConnection[];
  workload: Workload;
  /** Requests per batch (one write). */
  depth: number;
  /** Draws the requests and the connection of each batch (and, in the callers, the schedule). */
  rng: Xorshift32;
  /** The next batch's scheduled time (ms, performance.now()); Infinity when there are no more. */
  next: () => number;
  /** Nothing due at or after this is sent; the loop ends here even when behind schedule. */
  endMs: number;
  /** A batch was written: when it was due, and how late the loop got to it. */
  onSent: (dueMs: number, lagMs: number) => void;
  /** A batch due before `endMs` that the loop never got to send (the generator was saturated). */
  onUnsent: (dueMs: number) => void;
}

/** Connections to the target, all answered through `onResponse`. */
export function connectAll(target: Target, connections: number, onResponse: ResponseHandler): Promise<LoadConnection[]> {
  return Promise.all(Array.from({ length: connections }, () => LoadConnection.connect(target, onResponse)));
}

/**
 * Sends batches as they fall due until `endMs`; resolves with the worst lateness (ms).
 * Close to an arrival it busy-polls with setImmediate (each turn still lets the event loop read
 * responses); a longer gap it sleeps through and is woken just before the arrival (PreciseWake,
 * which learns how early is early enough):
 * timers have millisecond granularity, far coarser than the gaps between arrivals, and a thread
 * that always spins is descheduled for whole time slices on a busy machine. Plain callbacks, not a
 * promise per turn: the garbage of hundreds of thousands of turns a second means scavenges, and
 * every pause of the generator is latency charged to the server.
 */
export function runSendLoop(s: SendLoop): Promise<number> {
  const { conns, workload, depth, rng, endMs } = s;
  const batch: Buffer[] = new Array<Buffer>(depth);
  let due = s.next();
  let maxLagMs = 0;
  return new Promise<number>((resolve) => {
    const turn = () => {
      const now = performance.now();
      // Behind schedule (an overload), a turn still sends at most MAX_BATCHES_PER_TURN so that
      // responses keep being read and timestamped between bursts of sends.
      for (let sent = 0; due <= now && due < endMs && sent < MAX_BATCHES_PER_TURN; sent++) {
        for (let i = 0; i < depth; i++) batch[i] = workload.pick(rng);
        const conn = conns[Math.floor(rng.next() * conns.length)]!;
        conn.send(depth === 1 ? batch[0]! : Buffer.concat(batch), depth, due);
        const lag = now - due;
        if (lag > maxLagMs) maxLagMs = lag;
        s.onSent(due, lag);
        due = s.next();
      }
      // A generator that cannot keep up stops at the end all the same: the run would otherwise
      // last as long as the backlog; what it never sent is reported as unsent.
      if (due < endMs && now < endMs) {
        const until = Math.min(due, endMs);
        wake ??= new PreciseWake();
        if (until - performance.now() > SLEEP_OVER_MS + wake.earlyMs) wake.at(until - wake.earlyMs, turn);
        else setImmediate(turn);
        return;
      }
      for (; due < endMs; due = s.next()) s.onUnsent(due);
      resolve(maxLagMs);
    };
    turn();
  });
}

/**
 * Waits up to `drainMs` for outstanding responses, then hands every request still unanswered to
 * `onUnanswered` with the give-up time (callers count them at least that late: dropping them would
 * flatter an overloaded server), closes the connections, and throws if one of them failed.
 */
export async function drainAndClose(conns: readonly LoadConnection[], drainMs: number, onUnanswered: (scheduledMs: number, giveUpMs: number) => void): Promise<void> {
  const deadline = performance.now() + drainMs;
  while (conns.some((c) => c.outstanding > 0 && !c.failure) && performance.now() < deadline) await sleep(1);
  const giveUp = performance.now();
  for (const c of conns) for (const t of c.pending()) onUnanswered(t, giveUp);
  const failure = conns.find((c) => c.failure)?.failure;
  for (const c of conns) c.close();
  if (failure) throw failure;
}
