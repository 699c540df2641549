// Prometheus metrics of a dataplane, read at scrape time from the shared store stats and the
// per-loop counters: nothing is counted twice and nothing is added to the request path.
import client from 'prom-client';
import type { STAT_NAMES } from '../store/stats.ts';
import type { DataplaneServer } from '../server.ts';
import type { LoadMonitor } from './load-monitor.ts';

const COUNTERS = ['total_items', 'evictions', 'expired_unfetched', 'evicted_unfetched', 'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'cmd_meta',
  'get_hits', 'get_misses', 'get_expired', 'delete_hits', 'delete_misses', 'total_connections', 'rejected_connections', 'bytes_read', 'bytes_written'] as const;
const GAUGES = ['curr_items', 'bytes', 'curr_connections'] as const;

export function dataplaneRegistry(server: DataplaneServer, load: LoadMonitor, cpus: () => { granted: number[]; active: number[] }): client.Registry {
  const registry = new client.Registry();
  const stat = (name: (typeof STAT_NAMES)[number]) => Number(server.store.stat(name));
  for (const name of COUNTERS) {
    new client.Counter({ name: `ix_dataplane_${name}_total`, help: `memcached stat ${name}.`, registers: [registry], collect() { this.reset(); this.inc(stat(name)); } });
  }
  for (const name of GAUGES) {
    new client.Gauge({ name: `ix_dataplane_${name}`, help: `memcached stat ${name}.`, registers: [registry], collect() { this.set(stat(name)); } });
  }
  const c = server.counters;
  // With elastic threads the counts come from what each thread publishes; otherwise from this loop.
  const totals = () => server.pool?.totals() ?? { requests: c.requests, batches: c.batches };
  new client.Counter({ name: 'ix_dataplane_requests_total', help: 'Requests handled.', registers: [registry], collect() { this.reset(); this.inc(totals().requests); } });
  new client.Counter({ name: 'ix_dataplane_batches_total', help: 'Batches (one read handled to completion, one write).', registers: [registry], collect() { this.reset(); this.inc(totals().batches); } });
  new client.Counter({ name: 'ix_dataplane_batch_yields_total', help: 'Batches that reached the bound B and yielded to other connections.', labelNames: ['thread'], registers: [registry], collect() { this.reset(); this.inc({ thread: '0' }, c.yields); } });
  new client.Gauge({ name: 'ix_dataplane_batch_size_mean', help: 'Requests per batch (EWMA).', labelNames: ['thread'], registers: [registry], collect() { this.set({ thread: '0' }, load.current.meanBatch); } });
  new client.Gauge({ name: 'ix_dataplane_queue_length', help: 'Requests waiting, by Little\'s law (EWMA of 10 ms samples).', labelNames: ['thread'], registers: [registry], collect() { this.set({ thread: '0' }, load.current.queueLength); } });
  new client.Gauge({ name: 'ix_dataplane_queue_delay_seconds', help: 'Queuing delay: event-loop delay (EWMA of 10 ms samples).', labelNames: ['thread'], registers: [registry], collect() { this.set({ thread: '0' }, load.current.queueDelayUs / 1e6); } });
  new client.Gauge({ name: 'ix_dataplane_idle_ratio', help: 'Idle share of the event loop (EWMA of 10 ms samples).', labelNames: ['thread'], registers: [registry], collect() { this.set({ thread: '0' }, load.current.idle); } });
  new client.Gauge({ name: 'ix_dataplane_cpus_granted', help: 'Dedicated CPUs granted by the operator.', registers: [registry], collect() { this.set(cpus().granted.length); } });
  new client.Gauge({ name: 'ix_dataplane_cpus_active', help: 'CPUs the dataplane runs on now.', registers: [registry], collect() { this.set(cpus().active.length); } });
  // Which engine runs and why (ADR 0019), as an info metric: the labels are the reading.
  new client.Gauge({ name: 'ix_dataplane_engine_info', help: 'The engine that moves the bytes (io_uring or libuv) and why it was chosen.', labelNames: ['engine', 'reason'], registers: [registry], collect() { this.set({ engine: server.engine.name, reason: server.engine.reason }, 1); } });
  client.collectDefaultMetrics({ register: registry, prefix: 'ix_dataplane_' });
  return registry;
}
