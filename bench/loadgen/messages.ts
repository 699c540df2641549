/** Messages between the coordinator and its generator workers (structured-clone friendly). */
import type { WorkloadSpec } from './workload.ts';

export interface Target { host: string; port: number }

export interface StepSpec {
  /** Requests per second this worker offers. */
  rate: number;
  connections: number;
  /** Requests per write; scheduled arrivals are batches of this many requests. */
  depth: number;
  /** Load before measuring starts (server JIT, caches, connection slow start). */
  warmupMs: number;
  durationMs: number;
  /** How long to wait for late responses after the last send. */
  drainMs: number;
  seed: number;
}

/** A load trace for one worker: a piecewise-constant rate, one value per window. */
export interface TraceSpec {
  /** Requests per second this worker offers in each window. */
  rates: number[];
  windowMs: number;
  connections: number;
  depth: number;
  drainMs: number;
  seed: number;
  /**
   * When the first window starts, on the clock all threads share (performance.timeOrigin +
   * performance.now(), ms): the workers' windows line up with each other and with the coordinator's.
   */
  startAt: number;
}

export type ToWorker =
  | { type: 'populate'; target: Target; workload: WorkloadSpec; connections: number; shard: number; shards: number }
  | { type: 'run'; target: Target; workload: WorkloadSpec; step: StepSpec }
  | { type: 'trace'; target: Target; workload: WorkloadSpec; trace: TraceSpec };

/** What one worker measured in one step. */
export interface WorkerReport {
  /** Requests scheduled inside the measured window. */
  scheduled: number;
  /** Responses received inside the measured window (achieved throughput). */
  completedInWindow: number;
  /** Responses received over the whole step (warm-up, window and drain): the work the server did. */
  completedTotal: number;
  /** Error responses (ERROR, CLIENT_ERROR, SERVER_ERROR, NOT_STORED...) to measured requests. */
  errors: number;
  /** Gets answered with a miss (after populate these point at evictions or a broken store). */
  misses: number;
  /** Measured requests with no response by the end of the drain period. */
  unanswered: number;
  /** Requests due in the window that the generator never got to send (it was saturated). */
  unsent: number;
  /** How far behind schedule the send loop fell at worst (ms): a large value means the generator saturated. */
  maxSendLagMs: number;
  /** The generator thread's own CPU time over the step (ms), and its longest and total GC pauses (ms). */
  generatorCpuMs: number;
  gcMaxMs: number;
  gcTotalMs: number;
  /** The first error line a server sent, if any: what the errors were. */
  firstError?: string;
  histogram: string;
}

/**
 * What one worker measured over a trace, per window. Requests are counted in the window they were
 * scheduled in, except `completed`, counted in the window their response arrived in (throughput).
 */
export interface TraceWorkerReport {
  scheduled: number[];
  completed: number[];
  errors: number[];
  misses: number[];
  unanswered: number[];
  unsent: number[];
  /** Worst lateness of the send loop in each window (ms). */
  lagMs: number[];
  /** Latency histogram of each window (µs, encoded), or '' for a window with no response. */
  histograms: string[];
  firstError?: string;
}

export type FromWorker =
  | { type: 'populated' }
  | { type: 'report'; report: WorkerReport }
  | { type: 'trace-report'; report: TraceWorkerReport }
  | { type: 'error'; message: string };
