import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPerRequestTable, saturationTable, type MeasuredStep, type ServerRun } from '../../../bench/lib/dataplane-report.ts';

const step = (offered: number, cpu?: number, cores?: number): MeasuredStep => ({
  offered, achieved: offered, scheduled: offered, completedTotal: offered, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0, count: offered,
  p50: 50, p99: 400, p999: 900, max: 1000, mean: 60, histogram: '', ...(cpu === undefined ? {} : { serverCpuUsPerRequest: cpu }), ...(cores === undefined ? {} : { serverCores: cores }),
});
const run = (server: string, cpus: (number | undefined)[], peak = step(1_000_000)): ServerRun => ({
  server, threads: 1,
  runs: [{ depth: 16, search: { best: 0, bestRate: 0, capped: false, probes: [] }, fixed: [step(10_000, cpus[0]), step(30_000, cpus[1])], peak }],
});

describe('bench:dataplane report', () => {
  it('puts the servers\' CPU per request side by side with the dataplane\'s ratios', () => {
    const text = cpuPerRequestTable([run('dataplane', [2, 1.9]), run('memcached', [2.5, 2.3]), run('baseline', [4, undefined])]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /depth\s+offered\s+dataplane µs\/req\s+memcached µs\/req\s+baseline µs\/req\s+dataplane \/ memcached\s+dataplane \/ baseline/);
    assert.match(lines[2]!, /^16\s+10,000\s+2\.00\s+2\.50\s+4\.00\s+0\.80x\s+0\.50x$/);
    assert.match(lines[3]!, /^16\s+30,000\s+1\.90\s+2\.30\s+-\s+0\.83x\s+-$/, 'a missing reading is a dash, not a number');
  });

  it('gives each server\'s capacity per core at saturation, and the dataplane\'s ratio to the others', () => {
    // The dataplane achieved less, held back by the generator with 0.6 cores busy; per core it serves 3x the baseline.
    const text = saturationTable([
      run('dataplane', [], { ...step(1_000_000, 1, 0.6), achieved: 600_000 }),
      run('baseline', [], { ...step(1_000_000, 3, 0.99), achieved: 330_000 }),
      run('memcached', [], step(1_000_000)),
    ], [16]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /server\s+d16 achieved\s+d16 cores\s+d16 req\/s per core/);
    assert.match(lines[2]!, /^dataplane\s+600,000\s+0\.60\s+1,000,000$/);
    assert.match(lines[3]!, /^baseline\s+330,000\s+0\.99\s+333,333$/);
    assert.match(lines[4]!, /^memcached\s+1,000,000\s+-\s+-$/, 'no CPU reading: dashes');
    assert.match(text, /dataplane \/ baseline\s+3\.00x/);
    assert.match(text, /dataplane \/ memcached\s+-/);
  });
});
