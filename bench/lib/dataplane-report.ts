/**
 * The printed report of the dataplane benchmark: throughput within the latency objective per
 * server and pipeline depth with the ratios the brief sets targets for, and latencies at fixed
 * offered loads.
 */
import type { StepResult } from '../loadgen/load-generator.ts';
import type { SearchResult } from './throughput-search.ts';
import { table } from './table.ts';

export interface DepthRun { depth: number; search: SearchResult<StepResult>; fixed: StepResult[] }

export interface ServerRun {
  server: string;
  threads: number;
  runs: DepthRun[];
  /** Set when the server failed to start, crashed or broke the protocol: its numbers are partial. */
  error?: string;
}

const fmtRate = (n: number) => Math.round(n).toLocaleString('en-US');

function bestOf(run: ServerRun | undefined, depth: number): number | undefined {
  const d = run?.runs.find((r) => r.depth === depth);
  return d && !run?.error ? d.search.best : undefined;
}

export function maxThroughputTable(servers: readonly ServerRun[], depths: readonly number[]): string {
  const rows: (string | number)[][] = servers.map((s) => [
    s.error ? `${s.server} (failed)` : s.server,
    s.threads,
    ...depths.map((d) => {
      const r = s.runs.find((x) => x.depth === d);
      if (!r) return '-';
      return fmtRate(r.search.best) + (r.search.capped ? '+' : '');
    }),
  ]);
  const dp = servers.find((s) => s.server === 'dataplane');
  for (const other of ['memcached', 'baseline']) {
    const o = servers.find((s) => s.server === other);
    if (!dp || !o) continue;
    rows.push([`dataplane / ${other}`, '', ...depths.map((d) => ratio(bestOf(dp, d), bestOf(o, d)))]);
  }
  return table(['server', 'threads', ...depths.map((d) => `depth ${d} (req/s)`)], rows);
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
        rows.push([s.server, d.depth, fmtRate(r.offered), fmtRate(r.achieved), us(r.p50), us(r.p99), us(r.p999), r.errors + r.unanswered, r.maxSendLagMs.toFixed(1)]);
      }
    }
  }
  return table(['server', 'depth', 'offered', 'achieved', 'p50 µs', 'p99 µs', 'p99.9 µs', 'errors', 'gen lag ms'], rows);
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
