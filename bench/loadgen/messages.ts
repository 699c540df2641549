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

export type ToWorker =
  | { type: 'populate'; target: Target; workload: WorkloadSpec; connections: number; shard: number; shards: number }
  | { type: 'run'; target: Target; workload: WorkloadSpec; step: StepSpec };

/** What one worker measured in one step. */
export interface WorkerReport {
  /** Requests scheduled inside the measured window. */
  scheduled: number;
  /** Responses received inside the measured window (achieved throughput). */
  completedInWindow: number;
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
  /** The first error line a server sent, if any: what the errors were. */
  firstError?: string;
  histogram: string;
}

export type FromWorker =
  | { type: 'populated' }
  | { type: 'report'; report: WorkerReport }
  | { type: 'error'; message: string };
