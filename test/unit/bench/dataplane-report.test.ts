import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPerRequestTable, type ServerRun } from '../../../bench/lib/dataplane-report.ts';
import type { StepResult } from '../../../bench/loadgen/load-generator.ts';

const step = (offered: number, cpu?: number): StepResult & { serverCpuUsPerRequest?: number } => ({
  offered, achieved: offered, scheduled: offered, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0, count: offered,
  p50: 50, p99: 400, p999: 900, max: 1000, mean: 60, histogram: '', ...(cpu === undefined ? {} : { serverCpuUsPerRequest: cpu }),
});
const run = (server: string, cpus: (number | undefined)[]): ServerRun => ({
  server, threads: 1,
  runs: [{ depth: 16, search: { best: 0, bestRate: 0, capped: false, probes: [] }, fixed: [step(10_000, cpus[0]), step(30_000, cpus[1])], peak: step(1_000_000) }],
});

describe('bench:dataplane report', () => {
  it('puts the servers\' CPU per request side by side with the dataplane\'s ratios', () => {
    const text = cpuPerRequestTable([run('dataplane', [2, 1.9]), run('memcached', [2.5, 2.3]), run('baseline', [4, undefined])]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /depth\s+offered\s+dataplane µs\/req\s+memcached µs\/req\s+baseline µs\/req\s+dataplane \/ memcached\s+dataplane \/ baseline/);
    assert.match(lines[2]!, /^16\s+10,000\s+2\.00\s+2\.50\s+4\.00\s+0\.80x\s+0\.50x$/);
    assert.match(lines[3]!, /^16\s+30,000\s+1\.90\s+2\.30\s+-\s+0\.83x\s+-$/, 'a missing reading is a dash, not a number');
  });
});
