/**
 * The coordinator side of the load generator: owns the worker threads, splits a step's rate and
 * connections among them, and merges their histograms into one result.
 */
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../../src/dataplane/ts-worker.ts';
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, encodeHistogram, mergeHistograms, summarize } from './histogram.ts';
import type { LatencySummary } from './histogram.ts';
import type { WorkloadSpec } from './workload.ts';
import type { FromWorker, StepSpec, Target, ToWorker, TraceSpec, TraceWorkerReport, WorkerReport } from './messages.ts';

/** A whole step, as offered by all workers together: each gets a StepSpec of the same shape with its share. */
export type LoadStep = StepSpec;

/** The workers' counts of a step summed, and their histograms merged (`histogram`: HdrHistogram, compressed base64). */
export interface StepResult extends LatencySummary, Omit<WorkerReport, 'completedInWindow'> {
  offered: number;
  /** Responses per second received during the measured window. */
  achieved: number;
}

/** One window of a trace, all workers merged; latencies (µs) of the requests scheduled in it. */
export interface TraceWindow extends LatencySummary {
  /** Requests per second the trace offered. */
  offered: number;
  scheduled: number;
  /** Responses received in the window. */
  completed: number;
  /** Responses per second received in the window. */
  achieved: number;
  errors: number;
  misses: number;
  unanswered: number;
  unsent: number;
  lagMs: number;
}

export interface TraceResult {
  windowMs: number;
  /** When the first window started, on the shared clock (see sharedClockMs). */
  startAt: number;
  windows: TraceWindow[];
  /** Every request of the trace. */
  overall: LatencySummary & { histogram: string };
  totals: { scheduled: number; completed: number; errors: number; misses: number; unanswered: number; unsent: number };
  maxSendLagMs: number;
  firstError?: string;
}

const YOUNG_GENERATION_MB = 96;

export class LoadGenerator {
  private constructor(private readonly workers: Worker[]) {}

  static start(threads: number): LoadGenerator {
    const url = new URL('./generator-worker.ts', import.meta.url);
    // A young generation larger than V8's default (16 MB semi-spaces here): what a step allocates
    // (write requests, read buffers) dies young, so scavenges, each a pause charged to the server's
    // latency, come several times less often and take no longer.
    return new LoadGenerator(Array.from({ length: threads }, () => startTsWorker(url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } })));
  }

  get threads(): number {
    return this.workers.length;
  }

  async populate(target: Target, workload: WorkloadSpec, connections: number): Promise<void> {
    const per = split(connections, this.workers.length).map((c) => Math.max(1, c));
    await Promise.all(this.workers.map((w, i) => this.ask(w, { type: 'populate', target, workload, connections: per[i]!, shard: i, shards: this.workers.length })));
  }

  async run(target: Target, workload: WorkloadSpec, step: LoadStep): Promise<StepResult> {
    const active = Math.min(this.workers.length, step.connections);
    const conns = split(step.connections, active);
    const reports = await Promise.all(this.workers.slice(0, active).map(async (w, i) => {
      const spec: StepSpec = { ...step, connections: conns[i]!, rate: (step.rate * conns[i]!) / step.connections, seed: step.seed * 7919 + i };
      const reply = await this.ask(w, { type: 'run', target, workload, step: spec });
      if (reply.type !== 'report') throw new Error(`generator worker answered ${reply.type}`);
      return reply.report;
    }));
    return combine(step, reports);
  }

  /**
   * Offers a trace (total req/s per window; `startAt` on the shared clock, far enough ahead for
   * the workers to connect) and merges what the workers measured window by window.
   */
  async runTrace(target: Target, workload: WorkloadSpec, trace: TraceSpec): Promise<TraceResult> {
    const active = Math.min(this.workers.length, trace.connections);
    const conns = split(trace.connections, active);
    const reports = await Promise.all(this.workers.slice(0, active).map(async (w, i) => {
      const share = conns[i]! / trace.connections;
      const spec: TraceSpec = { ...trace, connections: conns[i]!, rates: trace.rates.map((r) => r * share), seed: trace.seed * 7919 + i };
      const reply = await this.ask(w, { type: 'trace', target, workload, trace: spec });
      if (reply.type !== 'trace-report') throw new Error(`generator worker answered ${reply.type}`);
      return reply.report;
    }));
    return combineTrace(trace, reports);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private ask(worker: Worker, msg: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: FromWorker) => {
        cleanup();
        if (reply.type === 'error') reject(new Error(`generator worker: ${reply.message}`));
        else resolve(reply);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(msg);
    });
  }
}

/** n split into `parts` near-equal whole shares. */
export function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/** Sums the workers' counters and merges their histograms. */
export function combine(step: LoadStep, reports: readonly WorkerReport[]): StepResult {
  const merged: Histogram = mergeHistograms(reports.map((r) => r.histogram));
  const sum = (f: (r: WorkerReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  return {
    offered: step.rate,
    achieved: sum((r) => r.completedInWindow) / (step.durationMs / 1000),
    scheduled: sum((r) => r.scheduled),
    completedTotal: sum((r) => r.completedTotal),
    errors: sum((r) => r.errors),
    misses: sum((r) => r.misses),
    unanswered: sum((r) => r.unanswered),
    unsent: sum((r) => r.unsent),
    maxSendLagMs: Math.max(0, ...reports.map((r) => r.maxSendLagMs)),
    generatorCpuMs: sum((r) => r.generatorCpuMs),
    gcMaxMs: Math.max(0, ...reports.map((r) => r.gcMaxMs)),
    gcTotalMs: sum((r) => r.gcTotalMs),
    firstError: reports.find((r) => r.firstError !== undefined)?.firstError,
    ...summarize(merged),
    histogram: encodeHistogram(merged),
  };
}

/** Sums the workers' per-window counters and merges their per-window histograms. */
export function combineTrace(trace: Pick<TraceSpec, 'rates' | 'windowMs' | 'startAt'>, reports: readonly TraceWorkerReport[]): TraceResult {
  const overall = createLatencyHistogram();
  const sum = (f: (r: TraceWorkerReport) => number[], w: number) => reports.reduce((a, r) => a + f(r)[w]!, 0);
  const windows = trace.rates.map((offered, w): TraceWindow => {
    const merged = mergeHistograms(reports.map((r) => r.histograms[w]!).filter((e) => e !== ''));
    overall.add(merged);
    const completed = sum((r) => r.completed, w);
    return {
      offered,
      scheduled: sum((r) => r.scheduled, w),
      completed,
      achieved: completed / (trace.windowMs / 1000),
      errors: sum((r) => r.errors, w),
      misses: sum((r) => r.misses, w),
      unanswered: sum((r) => r.unanswered, w),
      unsent: sum((r) => r.unsent, w),
      lagMs: Math.max(0, ...reports.map((r) => r.lagMs[w]!)),
      ...summarize(merged),
    };
  });
  const total = (f: (w: TraceWindow) => number) => windows.reduce((a, w) => a + f(w), 0);
  return {
    windowMs: trace.windowMs,
    startAt: trace.startAt,
    windows,
    overall: { ...summarize(overall), histogram: encodeHistogram(overall) },
    totals: { scheduled: total((w) => w.scheduled), completed: total((w) => w.completed), errors: total((w) => w.errors), misses: total((w) => w.misses), unanswered: total((w) => w.unanswered), unsent: total((w) => w.unsent) },
    maxSendLagMs: Math.max(0, ...windows.map((w) => w.lagMs)),
    firstError: reports.find((r) => r.firstError !== undefined)?.firstError,
  };
}
