/**
 * What a generator thread itself spent over a step: its CPU time (a busy generator competes with
 * the server for the machine's cores) and its garbage-collection pauses (every pause is latency
 * charged to the server). Printed beside the latencies, so that a bad tail can be told apart from
 * the generator's own stalls.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export interface ThreadCosts {
  /** CPU time of this thread, user + system (ms). */
  cpuMs: number;
  /** Longest and total GC pause of this thread's isolate (ms). */
  gcMaxMs: number;
  gcTotalMs: number;
}

export function startThreadCosts(): () => ThreadCosts {
  const cpu = process.threadCpuUsage();
  let gcMaxMs = 0;
  let gcTotalMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcTotalMs += e.duration;
      if (e.duration > gcMaxMs) gcMaxMs = e.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    // Entries are delivered asynchronously: take those not yet delivered too.
    for (const e of observer.takeRecords()) {
      gcTotalMs += e.duration;
      if (e.duration > gcMaxMs) gcMaxMs = e.duration;
    }
    observer.disconnect();
    const used = process.threadCpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, gcMaxMs, gcTotalMs };
  };
}
