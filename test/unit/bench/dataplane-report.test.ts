import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPerRequestTable, generatorFloorTable, peakThroughputTable, type MeasuredStep, type ServerRun } from '../../../bench/lib/dataplane-report.ts';
import { targetsTable } from '../../../bench/lib/dataplane-targets.ts';

const step = (offered: number, cpu?: number, p99 = 400): MeasuredStep => ({
  offered, achieved: offered, scheduled: offered, completedTotal: offered, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0.2, generatorCpuMs: 0, gcMaxMs: 0, gcTotalMs: 0, count: offered,
  p50: 50, p99, p999: 900, max: 1000, mean: 60, histogram: '', ...(cpu === undefined ? {} : { serverCpuUsPerRequest: cpu }),
});
const d1 = { depth: 1, connections: 50 };
const d16 = { depth: 16, connections: 50 };
const run = (server: string, o: { cpu?: number; p99?: number; peak1?: number; peak16?: number; tps?: number }): ServerRun => ({
  server, threads: 1,
  runs: [
    { ...d1, fixed: [step(30_000, o.cpu, o.p99)], peak: { ...step(1_000_000, o.cpu), achieved: o.peak1 ?? 100_000 }, ...(o.tps === undefined ? {} : { memcaslap: { tps: o.tps, ops: o.tps, getMisses: 0, serverCpuUsPerRequest: o.cpu } }) },
    { ...d16, fixed: [step(30_000, o.cpu, o.p99)], peak: { ...step(1_000_000, o.cpu), achieved: o.peak16 ?? 400_000 } },
  ],
});
const absent: ServerRun = { server: 'dataplane-io_uring', threads: 1, runs: [], absent: 'no --engine yet' };

describe('bench:dataplane report', () => {
  it('gives every server\'s saturated throughput per configuration with its ratio to memcached; an absent server is a row of dashes', () => {
    const text = peakThroughputTable([absent, run('dataplane-libuv', { peak1: 120_000, peak16: 900_000 }), run('memcached', { peak1: 100_000, peak16: 400_000 })], [d1, d16]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /server\s+threads\s+d1x50 req\/s\s+d16x50 req\/s\s+d1x50 \/ memcached\s+d16x50 \/ memcached/);
    assert.match(lines[2]!, /^dataplane-io_uring \(absent\)\s+1\s+-\s+-\s+-\s+-$/);
    assert.match(lines[3]!, /^dataplane-libuv\s+1\s+120,000\s+900,000\s+1\.20x\s+2\.25x$/);
    assert.match(lines[4]!, /^memcached\s+1\s+100,000\s+400,000\s+1\.00x\s+1\.00x$/);
  });

  it('puts the servers\' CPU per request side by side with each one\'s ratio to memcached', () => {
    const text = cpuPerRequestTable([run('dataplane-libuv', { cpu: 4 }), run('memcached', { cpu: 5 }), run('floor', {})], [d1], [30_000]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /config\s+offered\s+dataplane-libuv µs\/req\s+memcached µs\/req\s+floor µs\/req\s+dataplane-libuv \/ memcached\s+floor \/ memcached/);
    assert.match(lines[2]!, /^d1x50\s+30,000\s+4\.00\s+5\.00\s+-\s+0\.80x\s+-$/, 'a missing reading is a dash, not a number');
    assert.match(lines[3]!, /^d1x50\s+saturated\s+4\.00\s+5\.00\s+-\s+0\.80x\s+-$/);
  });

  it('shows the generator\'s floor (its p99 against the floor server) beside the p99 it compares', () => {
    const text = generatorFloorTable([run('floor', { p99: 100 }), run('memcached', { p99: 800 })], [d1], [30_000]);
    assert.match(text.split('\n')[2]!, /^d1x50\s+30,000\s+50\s+100\s+900\s+0\.20\s+0\.00\s+0\.00\s+800\s+0\.13x$/);
  });

  it('checks issue 13\'s targets against memcached: met, MISSED, or absent', () => {
    const text = targetsTable([
      absent,
      run('dataplane-libuv', { cpu: 4, p99: 900, peak1: 120_000, peak16: 900_000, tps: 100_000 }),
      run('memcached', { cpu: 5, p99: 800, peak1: 100_000, peak16: 400_000, tps: 100_000 }),
    ], [d1, d16], [30_000]);
    const row = (what: string) => text.split('\n').find((l) => l.includes(what))!;
    assert.match(row('CPU/req at 30k/s'), /<= 0\.90x\s+absent\s+0\.80x met$/);
    assert.match(row('throughput, memcaslap'), />= 1\.10x\s+absent\s+1\.00x MISSED$/);
    assert.match(row('p99 at 30k/s'), /<= 1\.00x\s+absent\s+1\.13x MISSED$/);
    assert.match(row('d16x50'), /throughput, saturated\s+>= 2\.50x\s+absent\s+2\.25x MISSED$/);
  });

  it('compares nothing where a step measured no response (NaN percentiles)', () => {
    const text = targetsTable([run('dataplane-libuv', { p99: NaN }), run('memcached', { p99: 800 })], [d1], [30_000]);
    assert.match(text.split('\n').find((l) => l.includes('p99 at 30k/s'))!, /<= 1\.00x\s+-$/);
    assert.match(generatorFloorTable([run('floor', { p99: 100 }), run('memcached', { p99: NaN })], [d1], [30_000]), /\s-\s+-$/m);
  });
});
