// Congestion signals of one event loop, published as IX publishes them: sampled every 10 ms and
// smoothed into EWMAs. Off the fast path: one timer per event loop, nothing per request.
//   idle          1 - event-loop utilization
//   queue delay   the event loop's delay: how long ready work waits before the loop gets to it
//   queue length  Little's law, L = lambda * W: request rate times queuing delay (Node cannot see the
//                 kernel's socket buffers, but it can see how long work waits and how much arrives)
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type ELDHistogram } from 'node:perf_hooks';
import type { ServerCounters } from '../counters.ts';

export interface LoadSample {
  queueLength: number;
  queueDelayUs: number;
  idle: number;
  requestsPerSecond: number;
  meanBatch: number;
  /**
   * 99th percentile of the queuing delay over the last second: of the per-sample 99th percentiles
   * of the last 100 samples, the second highest. What the operator reports as a pod's p99: the wait
   * a request sees in this server, not the network's part of its latency.
   */
  queueDelayP99Us: number;
}

/** Samples in the p99 window: one second. */
const P99_WINDOW = 100;

export const SAMPLE_MS = 10;
/** Weight of a new sample: about a 50 ms time constant at 10 ms samples. */
export const EWMA_ALPHA = 0.2;

export const ewma = (prev: number, sample: number, alpha = EWMA_ALPHA): number => prev + alpha * (sample - prev);

export class LoadMonitor {
  private readonly delay: ELDHistogram;
  private elu: EventLoopUtilization;
  private lastRequests: number;
  private lastBatches: number;
  private lastAt = performance.now();
  private timer?: NodeJS.Timeout;
  private readonly p99Window = new Float64Array(P99_WINDOW);
  private p99Next = 0;
  readonly current: LoadSample = { queueLength: 0, queueDelayUs: 0, idle: 1, requestsPerSecond: 0, meanBatch: 0, queueDelayP99Us: 0 };

  constructor(private readonly counters: ServerCounters) {
    this.delay = monitorEventLoopDelay({ resolution: 1 });
    this.elu = performance.eventLoopUtilization();
    this.lastRequests = counters.requests;
    this.lastBatches = counters.batches;
  }

  start(): this {
    this.delay.enable();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.delay.disable();
  }

  /** One 10 ms sample folded into the EWMAs (public for tests). */
  sample(): void {
    const now = performance.now();
    const seconds = Math.max(1e-6, (now - this.lastAt) / 1000);
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const requests = this.counters.requests - this.lastRequests;
    const batches = this.counters.batches - this.lastBatches;
    // The delay monitor's own timer makes ~1 ms the floor of an idle loop; count only what is above.
    const delayUs = this.delay.count > 0 ? Math.max(0, this.delay.mean / 1000 - 1000) : 0;
    const p99Us = this.delay.count > 0 ? Math.max(0, this.delay.percentile(99) / 1000 - 1000) : 0;
    this.delay.reset();
    this.p99Window[this.p99Next] = p99Us;
    this.p99Next = (this.p99Next + 1) % P99_WINDOW;
    const rate = requests / seconds;
    const c = this.current;
    c.idle = ewma(c.idle, 1 - elu.utilization);
    c.queueDelayUs = ewma(c.queueDelayUs, delayUs);
    c.requestsPerSecond = ewma(c.requestsPerSecond, rate);
    c.queueLength = ewma(c.queueLength, rate * (delayUs / 1e6));
    c.meanBatch = ewma(c.meanBatch, batches > 0 ? requests / batches : 0);
    c.queueDelayP99Us = secondHighest(this.p99Window);
    this.lastRequests = this.counters.requests;
    this.lastBatches = this.counters.batches;
    this.lastAt = now;
  }
}

function secondHighest(a: Float64Array): number {
  let first = 0;
  let second = 0;
  for (const v of a) {
    if (v > first) { second = first; first = v; } else if (v > second) second = v;
  }
  return second;
}
