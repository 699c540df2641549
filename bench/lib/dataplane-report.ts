/**
 * The printed report of the dataplane benchmark: throughput within the latency objective per
 * server and pipeline depth with the ratios the brief sets targets for, and latencies at fixed
 * offered loads.
 */
import type { StepResult } from '../loadgen/load-generator.ts';
import type { SearchResult } from './throughput-search.ts';
import { table } from './table.ts';

/**
 * A step with the server's CPU time over the whole step (warm-up, window, drain) when known: per
 * response the generator received in that time, and as the cores it kept busy.
 */
export type MeasuredStep = StepResult & { serverCpuUsPerRequest?: number; serverCores?: number };

export interface DepthRun {
  depth: number;
  search: SearchResult<StepResult>;
  fixed: MeasuredStep[];
  /** A step far above what any server sustains: the throughput each delivers when saturated. */
  peak: MeasuredStep;
}

export interface ServerRun {
  server: string;
  threads: number;
  runs: DepthRun[];
  /** Set when the server failed to start, crashed or broke the protocol: its numbers are partial. */
  error?: string;
}

const fmtRate = (n: number) => Math.round(n).toLocaleString('en-US');

type Pick = (d: DepthRun) => { value: number; capped?: boolean };

/** Req/s per server and depth, with the ratios of the dataplane to the others underneath. */
function throughputTable(servers: readonly ServerRun[], depths: readonly number[], pick: Pick): string {
  const rows: (string | number)[][] = servers.map((s) => [
    s.error ? `${s.server} (failed)` : s.server,
    s.threads,
    ...depths.map((d) => {
      const r = s.runs.find((x) => x.depth === d);
      if (!r) return '-';
      const v = pick(r);
      return fmtRate(v.value) + (v.capped ? '+' : '');
    }),
  ]);
  const value = (s: ServerRun | undefined, depth: number) => {
    const r = s?.runs.find((x) => x.depth === depth);
    return r && !s?.error ? pick(r).value : undefined;
  };
  const dp = servers.find((s) => s.server === 'dataplane');
  for (const other of ['memcached', 'baseline']) {
    const o = servers.find((s) => s.server === other);
    if (!dp || !o) continue;
    rows.push([`dataplane / ${other}`, '', ...depths.map((d) => ratio(value(dp, d), value(o, d)))]);
  }
  return table(['server', 'threads', ...depths.map((d) => `depth ${d} (req/s)`)], rows);
}

export function maxThroughputTable(servers: readonly ServerRun[], depths: readonly number[]): string {
  return throughputTable(servers, depths, (d) => ({ value: d.search.best, capped: d.search.capped }));
}

export function peakThroughputTable(servers: readonly ServerRun[], depths: readonly number[]): string {
  return throughputTable(servers, depths, (d) => ({ value: d.peak.achieved }));
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return '-';
  if (b === 0) return a === 0 ? '-' : 'inf';
  return `${(a / b).toFixed(2)}x`;
}

export function fixedLoadTable(servers: readonly ServerRun[]): string {
  const rows: (string | number)[][] = [];
  for (const s of servers) {
    for (const d of s.runs) {
      for (const r of d.fixed) {
        rows.push([s.server, d.depth, fmtRate(r.offered), fmtRate(r.achieved), us(r.p50), us(r.p99), us(r.p999), r.errors, r.unanswered + r.unsent, r.maxSendLagMs.toFixed(1), cpu(r.serverCpuUsPerRequest)]);
      }
    }
  }
  return table(['server', 'depth', 'offered', 'achieved', 'p50 µs', 'p99 µs', 'p99.9 µs', 'errors', 'lost', 'gen lag ms', 'CPU µs/req'], rows);
}

/**
 * Server CPU per request at each fixed load, side by side, with the dataplane's ratio to each
 * other server (below 1: the dataplane does the same work with less CPU).
 */
export function cpuPerRequestTable(servers: readonly ServerRun[], dataplane = 'dataplane'): string {
  const dp = servers.find((s) => s.server === dataplane);
  const others = servers.filter((s) => s !== dp);
  const rows: (string | number)[][] = [];
  for (const d of dp?.runs ?? []) {
    for (const r of d.fixed) {
      const same = (s: ServerRun) => s.runs.find((x) => x.depth === d.depth)?.fixed.find((x) => x.offered === r.offered)?.serverCpuUsPerRequest;
      rows.push([d.depth, fmtRate(r.offered), cpu(r.serverCpuUsPerRequest), ...others.map((s) => cpu(same(s))),
        ...others.map((s) => ratio(r.serverCpuUsPerRequest, same(s)))]);
    }
  }
  return table(['depth', 'offered', `${dataplane} µs/req`, ...others.map((s) => `${s.server} µs/req`), ...others.map((s) => `${dataplane} / ${s.server}`)], rows);
}

const cpu = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(2));

/**
 * The saturated step per server and depth: what it achieved, the cores it kept busy doing so, and
 * the requests it serves per second of CPU (1 / CPU per request). When the generator, not the
 * server, is the limit (it shares this machine), the last is the server's capacity on one core;
 * the ratio rows compare that.
 */
export function saturationTable(servers: readonly ServerRun[], depths: readonly number[], dataplane = 'dataplane'): string {
  const perCore = (r: MeasuredStep | undefined) => (r?.serverCpuUsPerRequest ? 1e6 / r.serverCpuUsPerRequest : undefined);
  const peakOf = (s: ServerRun | undefined, d: number) => (s?.error ? undefined : s?.runs.find((x) => x.depth === d)?.peak);
  const rows: (string | number)[][] = servers.map((s) => [s.error ? `${s.server} (failed)` : s.server, ...depths.flatMap((d) => {
    const r = peakOf(s, d);
    return r ? [fmtRate(r.achieved), r.serverCores === undefined ? '-' : r.serverCores.toFixed(2), perCore(r) === undefined ? '-' : fmtRate(perCore(r)!)] : ['-', '-', '-'];
  })]);
  const dp = servers.find((s) => s.server === dataplane);
  for (const o of servers) {
    if (o === dp || !dp) continue;
    rows.push([`${dataplane} / ${o.server}`, ...depths.flatMap((d) => ['', '', ratio(perCore(peakOf(dp, d)), perCore(peakOf(o, d)))])]);
  }
  return table(['server', ...depths.flatMap((d) => [`d${d} achieved`, `d${d} cores`, `d${d} req/s per core`])], rows);
}


export function searchTable(servers: readonly ServerRun[]): string {
  const rows: (string | number)[][] = [];
  for (const s of servers) {
    for (const d of s.runs) {
      rows.push([s.server, d.depth, d.search.probes.map((p) => `${(p.offered / 1000).toFixed(p.offered < 10_000 ? 1 : 0)}k:${us(p.p99)}`).join(' ')]);
    }
  }
  return table(['server', 'depth', 'probes (offered:p99 µs)'], rows);
}

const us = (n: number) => (Number.isFinite(n) ? fmtRate(n) : '-');
