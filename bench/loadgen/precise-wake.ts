/**
 * Wakes the generator's event loop at a given time, to within tens of microseconds, without
 * spinning until then. A timer cannot: libuv's timers count whole milliseconds, so setTimeout wakes
 * up to a millisecond late, which would be latency charged to the server. Spinning can, but a
 * thread that never sleeps has no claim on a CPU the server also needs: on a shared machine the
 * scheduler then parks it for whole time slices (the 8-10 ms send lag issue 13 saw at 1,250 req/s),
 * and it takes a CPU from the server it measures. So a helper thread sleeps in Atomics.wait (a
 * futex with a microsecond timeout) and posts a message, which wakes the generator's epoll at once;
 * responses arriving meanwhile are read and timestamped as usual. How late wakes come (futex timer
 * slack, the message, the scheduler) is tracked, so that callers wake that much early and spin the
 * rest: a few tens of microseconds on an idle machine, more on a busy one.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

// Plain JavaScript, so the thread needs no TypeScript loader. Each worker thread has its own
// performance.timeOrigin: times cross threads as timeOrigin + now().
const SLEEPER = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const cell = new Int32Array(new SharedArrayBuffer(4));
parentPort.on('message', (at) => {
  const ms = at - (performance.timeOrigin + performance.now());
  if (ms > 0) Atomics.wait(cell, 0, 0, ms);
  parentPort.postMessage(0);
});
`;

/** Bounds of `earlyMs`: at least the futex's default timer slack, at most a millisecond (a timer's grain). */
const MIN_EARLY_MS = 0.08;
const MAX_EARLY_MS = 1;

export class PreciseWake {
  private readonly worker: Worker;
  private pending: (() => void) | undefined;
  private target = 0;
  /** A decaying maximum of how late wakes came (ms): jumps to a new worst, forgets it slowly. */
  private lateMs = 0;

  constructor() {
    this.worker = new Worker(SLEEPER, { eval: true });
    this.worker.on('message', () => {
      const late = performance.now() - this.target;
      this.lateMs = late > this.lateMs ? late : this.lateMs * 0.99 + late * 0.01;
      const run = this.pending;
      this.pending = undefined;
      run?.();
    });
    // It must not keep the generator's thread alive: the send loop's sockets do while it runs.
    this.worker.unref();
  }

  /** Runs `fn` once at `atMs` (performance.now() of this thread). One wake at a time. */
  at(atMs: number, fn: () => void): void {
    if (this.pending) throw new Error('PreciseWake: a wake is already pending');
    this.pending = fn;
    this.target = atMs;
    this.worker.postMessage(performance.timeOrigin + atMs);
  }

  /** How long before a deadline to ask for a wake, so that it comes in time (ms). */
  get earlyMs(): number {
    return Math.min(MAX_EARLY_MS, Math.max(MIN_EARLY_MS, this.lateMs * 1.25));
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
