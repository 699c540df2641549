/**
 * Issue 13's targets, checked for each dataplane engine against memcached in the same run: at depth
 * 1, CPU per request ≤ 0.9× memcached's, saturated throughput ≥ 1.1× (the project's generator and
 * memcaslap), p99 at the fixed loads no worse; at depth 16, throughput ≥ 2.5×.
 */
import { REFERENCE, configLabel, runOf } from './dataplane-report.ts';
import type { ConfigRun, LoadConfig, ServerRun } from './dataplane-report.ts';
import { table } from './table.ts';

interface Target {
  what: string;
  /** The server's value over memcached's must be at most (le) or at least (ge) this. */
  bound: number;
  sense: 'le' | 'ge';
  value: (r: ConfigRun) => number | undefined;
}

function targetsFor(c: LoadConfig, loads: readonly number[]): Target[] {
  if (c.depth === 16) return [{ what: 'throughput, saturated', bound: 2.5, sense: 'ge', value: (r) => r.peak.achieved }];
  if (c.depth !== 1) return [];
  return [
    ...loads.map((load): Target => ({ what: `CPU/req at ${load / 1000}k/s`, bound: 0.9, sense: 'le', value: (r) => r.fixed.find((x) => x.offered === load)?.serverCpuUsPerRequest })),
    { what: 'CPU/req, memcaslap', bound: 0.9, sense: 'le', value: (r) => r.memcaslap?.serverCpuUsPerRequest },
    { what: 'throughput, saturated', bound: 1.1, sense: 'ge', value: (r) => r.peak.achieved },
    { what: 'throughput, memcaslap', bound: 1.1, sense: 'ge', value: (r) => r.memcaslap?.tps },
    ...loads.map((load): Target => ({ what: `p99 at ${load / 1000}k/s`, bound: 1, sense: 'le', value: (r) => r.fixed.find((x) => x.offered === load)?.p99 })),
  ];
}

export function targetsTable(servers: readonly ServerRun[], configs: readonly LoadConfig[], loads: readonly number[]): string {
  const ref = servers.find((s) => s.server === REFERENCE);
  const candidates = servers.filter((s) => s.server.startsWith('dataplane') || s.server === 'floor');
  const rows: (string | number)[][] = [];
  for (const c of configs) {
    for (const t of targetsFor(c, loads)) {
      const refRun = runOf(ref, c);
      const refValue = refRun && t.value(refRun);
      rows.push([configLabel(c), t.what, `${t.sense === 'le' ? '<=' : '>='} ${t.bound.toFixed(2)}x`, ...candidates.map((s) => {
        if (s.absent) return 'absent';
        const r = runOf(s, c);
        const v = r && t.value(r);
        // A step that measured nothing (all lost: NaN percentiles) on either side compares nothing.
        if (v === undefined || refValue === undefined || refValue === 0 || Number.isNaN(v) || Number.isNaN(refValue)) return '-';
        const x = v / refValue;
        return `${x.toFixed(2)}x ${(t.sense === 'le' ? x <= t.bound : x >= t.bound) ? 'met' : 'MISSED'}`;
      })]);
    }
  }
  return table(['config', 'target', `vs ${REFERENCE}`, ...candidates.map((s) => s.server)], rows);
}
