/**
 * The printed report of the dataplane benchmark: per server and load configuration (pipeline depth
 * × connections), throughput (saturated, and within the latency objective), server CPU per request
 * and latency at fixed offered loads, each with its ratio to memcached; the floor server's rows are
 * also what the project's generator itself adds to every latency (its floor).
 */
import type { StepResult } from '../loadgen/load-generator.ts';
import type { MemcaslapResult } from './memcaslap.ts';
import type { SearchResult } from './throughput-search.ts';
import { table } from './table.ts';

/**
 * A step with the server's CPU time over the whole step (warm-up, window, drain) when known: per
 * response the generator received in that time, and as the cores it kept busy.
 */
export type MeasuredStep = StepResult & { serverCpuUsPerRequest?: number; serverCores?: number };

export interface LoadConfig { depth: number; connections: number }

export interface ConfigRun extends LoadConfig {
  /** Absent when the search was not run (--quick). */
  search?: SearchResult<StepResult>;
  fixed: MeasuredStep[];
  /** A step far above what any server sustains: the throughput each delivers when saturated. */
  peak: MeasuredStep;
  /** With --profile: the top of perf's report of the saturated step (self time by object and symbol). */
  profile?: string[];
  /** memcaslap against the same server (depth 1 only), with the server's CPU per operation. */
  memcaslap?: MemcaslapResult & { serverCpuUsPerRequest?: number };
}

export interface ServerRun {
  server: string;
  threads: number;
  runs: ConfigRun[];
  /** What the server said about itself on stderr worth keeping (e.g. which engine it runs and why). */
  notes?: string[];
  /** Set when the server could not run here: why. */
  absent?: string;
  /** Set when the server failed to start, crashed or broke the protocol: its numbers are partial. */
  error?: string;
}

export const REFERENCE = 'memcached';

export const configLabel = (c: LoadConfig) => `d${c.depth}x${c.connections}`;
const fmtRate = (n: number) => Math.round(n).toLocaleString('en-US');
const cpu = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(2));
const us = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? fmtRate(n) : '-');
const sameConfig = (a: LoadConfig) => (b: LoadConfig) => a.depth === b.depth && a.connections === b.connections;

export function ratio(a: number | undefined, b: number | undefined): string {
  // NaN: a step with no measured response (everything lost) has no percentiles.
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return '-';
  if (b === 0) return a === 0 ? '-' : 'inf';
  return `${(a / b).toFixed(2)}x`;
}

export function serverLabel(s: ServerRun): string {
  if (s.absent) return `${s.server} (absent)`;
  return s.error ? `${s.server} (failed)` : s.server;
}

/** The run of a configuration, unless the server is absent or failed. */
export function runOf(s: ServerRun | undefined, c: LoadConfig): ConfigRun | undefined {
  return s && !s.absent && !s.error ? s.runs.find(sameConfig(c)) : undefined;
}

type Pick = (r: ConfigRun) => number | undefined;

/**
 * One value per server and configuration, then one column per configuration of its ratio to
 * memcached's (the memcached row itself is 1.00x).
 */
function perConfigTable(servers: readonly ServerRun[], configs: readonly LoadConfig[], unit: string, pick: Pick, format: (n: number | undefined) => string): string {
  const ref = servers.find((s) => s.server === REFERENCE);
  const at = (s: ServerRun, c: LoadConfig) => {
    const r = runOf(s, c);
    return r ? pick(r) : undefined;
  };
  const rows = servers.map((s) => [serverLabel(s), s.threads, ...configs.map((c) => format(at(s, c))), ...(ref ? configs.map((c) => ratio(at(s, c), ref && at(ref, c))) : [])]);
  const heads = ['server', 'threads', ...configs.map((c) => `${configLabel(c)} ${unit}`), ...(ref ? configs.map((c) => `${configLabel(c)} / ${REFERENCE}`) : [])];
  return table(heads, rows);
}

export function peakThroughputTable(servers: readonly ServerRun[], configs: readonly LoadConfig[]): string {
  return perConfigTable(servers, configs, 'req/s', (r) => r.peak.achieved, (n) => (n === undefined ? '-' : fmtRate(n)));
}

export function memcaslapTable(servers: readonly ServerRun[], configs: readonly LoadConfig[]): string {
  const depth1 = configs.filter((c) => c.depth === 1);
  return perConfigTable(servers, depth1, 'TPS', (r) => r.memcaslap?.tps, (n) => (n === undefined ? '-' : fmtRate(n)));
}

export function memcaslapCpuTable(servers: readonly ServerRun[], configs: readonly LoadConfig[]): string {
  const depth1 = configs.filter((c) => c.depth === 1);
  return perConfigTable(servers, depth1, 'µs/op', (r) => r.memcaslap?.serverCpuUsPerRequest, cpu);
}

export function maxThroughputTable(servers: readonly ServerRun[], configs: readonly LoadConfig[]): string {
  return perConfigTable(servers, configs, 'req/s', (r) => r.search?.best, (n) => (n === undefined ? '-' : fmtRate(n)));
}

/** Server CPU per request at the saturated step and at each fixed load, with its ratio to memcached's. */
export function cpuPerRequestTable(servers: readonly ServerRun[], configs: readonly LoadConfig[], loads: readonly number[]): string {
  const ref = servers.find((s) => s.server === REFERENCE);
  const rows: (string | number)[][] = [];
  for (const c of configs) {
    for (const load of [...loads, 'peak' as const]) {
      const pick = (s: ServerRun | undefined) => {
        const r = runOf(s, c);
        return (load === 'peak' ? r?.peak : r?.fixed.find((x) => x.offered === load))?.serverCpuUsPerRequest;
      };
      rows.push([configLabel(c), load === 'peak' ? 'saturated' : fmtRate(load), ...servers.map((s) => cpu(pick(s))), ...servers.filter((s) => s !== ref).map((s) => ratio(pick(s), pick(ref)))]);
    }
  }
  const others = servers.filter((s) => s !== ref);
  return table(['config', 'offered', ...servers.map((s) => `${serverLabel(s)} µs/req`), ...(ref ? others.map((s) => `${s.server} / ${REFERENCE}`) : [])], rows);
}

/** The generator's own CPU time per response it got (all its threads). */
export function generatorCpuPerRequest(r: MeasuredStep): number | undefined {
  return r.completedTotal > 0 ? (r.generatorCpuMs * 1000) / r.completedTotal : undefined;
}

/** p50 / p99 / p99.9 of every server at every fixed load. The floor's rows are the generator's own floor. */
export function fixedLoadTable(servers: readonly ServerRun[]): string {
  const rows: (string | number)[][] = [];
  for (const s of servers) {
    for (const d of s.runs) {
      for (const r of d.fixed) {
        rows.push([s.server, configLabel(d), fmtRate(r.offered), fmtRate(r.achieved), us(r.p50), us(r.p99), us(r.p999), r.errors, r.unanswered + r.unsent, r.maxSendLagMs.toFixed(1), cpu(r.serverCpuUsPerRequest), cpu(generatorCpuPerRequest(r)), r.gcMaxMs.toFixed(1)]);
      }
    }
  }
  return table(['server', 'config', 'offered', 'achieved', 'p50 µs', 'p99 µs', 'p99.9 µs', 'errors', 'lost', 'gen lag ms', 'CPU µs/req', 'gen CPU µs/req', 'gen GC max ms'], rows);
}

/**
 * The project's generator against the floor server (which answers at once, doing no work) next to
 * the p99 it is used to compare: when the floor's p99 is not well below the others', the p99
 * columns measure the generator, not the servers.
 */
export function generatorFloorTable(servers: readonly ServerRun[], configs: readonly LoadConfig[], loads: readonly number[]): string {
  const floor = servers.find((s) => s.server === 'floor');
  const ref = servers.find((s) => s.server === REFERENCE);
  const rows: (string | number)[][] = [];
  for (const c of configs) {
    for (const load of loads) {
      const f = runOf(floor, c)?.fixed.find((x) => x.offered === load);
      const m = runOf(ref, c)?.fixed.find((x) => x.offered === load);
      rows.push([configLabel(c), fmtRate(load), us(f?.p50), us(f?.p99), us(f?.p999), f ? f.maxSendLagMs.toFixed(2) : '-', f ? f.gcMaxMs.toFixed(2) : '-', cpu(f && generatorCpuPerRequest(f)), us(m?.p99), f && m ? ratio(f.p99, m.p99) : '-']);
    }
  }
  return table(['config', 'offered', 'floor p50 µs', 'floor p99 µs', 'floor p99.9 µs', 'gen lag ms', 'gen GC max ms', 'gen CPU µs/req', `${REFERENCE} p99 µs`, `floor / ${REFERENCE} p99`], rows);
}

export function searchTable(servers: readonly ServerRun[]): string {
  const rows: (string | number)[][] = [];
  for (const s of servers) {
    for (const d of s.runs) {
      if (d.search) rows.push([s.server, configLabel(d), d.search.probes.map((p) => `${(p.offered / 1000).toFixed(p.offered < 10_000 ? 1 : 0)}k:${us(p.p99)}`).join(' ')]);
    }
  }
  return table(['server', 'config', 'probes (offered:p99 µs)'], rows);
}
