import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, CSV_HEADER, elasticityFigure, calibratedCapacity, reactionTable, underloadWarning, steadyTable, summaryTable, timelineCsv } from '../../../bench/lib/elasticity-report.ts';
import type { ConfigRun, TraceRuns } from '../../../bench/lib/elasticity-report.ts';
import type { StepResult, TraceResult, TraceWindow } from '../../../bench/loadgen/load-generator.ts';
import type { ThreadEvent } from '../../../bench/lib/elasticity-metrics.ts';
import { stepsTrace } from '../../../bench/lib/load-trace.ts';

const SLO = 500;
const trace = stepsTrace({ low: 1000, high: 5000, windowMs: 100, phaseMs: 1000 });

function run(config: string, staticThreads: number | undefined, threads: ThreadEvent[], p99s: number[], lost = 0): ConfigRun {
  const windows: TraceWindow[] = p99s.map((p99, w) => {
    const count = Number.isNaN(p99) ? 0 : 100;
    return { offered: trace.rates[w]!, scheduled: count, completed: count, achieved: count * 10, errors: 0, misses: 0, unanswered: w === 0 ? lost : 0, unsent: 0, lagMs: 0, count, p50: p99 / 2, p99, p999: p99, max: p99, mean: p99 / 2 };
  });
  const result: TraceResult = {
    windowMs: 100, startAt: 0, windows,
    overall: { count: 5000, p50: 100, p99: Math.max(...p99s.filter((x) => !Number.isNaN(x))), p999: 0, max: 0, mean: 0, histogram: '' },
    totals: { scheduled: 5000, completed: 5000 - lost, errors: 0, misses: 0, unanswered: lost, unsent: 0 },
    maxSendLagMs: 0.4,
  };
  return { config, staticThreads, result, threads, serverLoad: staticThreads ? [] : [{ tMs: 150, queueDelayP99Us: 321, threads: 1 }], decisions: [] };
}

const good = new Array<number>(50).fill(100);
const highBad = good.map((v, w) => ((w >= 10 && w < 20) || (w >= 30 && w < 40) ? 3000 : v));
const elasticP99 = good.map((v, w) => (w === 10 || w === 30 ? 2000 : w === 5 ? NaN : v));
const t: TraceRuns = {
  trace,
  runs: [
    run('elastic', undefined, [{ tMs: 0, threads: 1 }, { tMs: 1030, threads: 2 }, { tMs: 3500, threads: 1 }, { tMs: 3020, threads: 2 }].sort((a, b) => a.tMs - b.tMs), elasticP99, 2),
    run('static 1', 1, [{ tMs: 0, threads: 1 }], highBad),
    run('static 2', 2, [{ tMs: 0, threads: 2 }], good),
  ],
};
const a = analyse(t, SLO);

describe('elasticity report', () => {
  it('compares the elastic run with the fewest static threads missing no more windows', () => {
    assert.equal(a.best?.threads, 2);
    assert.equal(a.best?.matched, true); // the elastic run missed 2 windows, static 1 20, static 2 none
    const s = summaryTable(t, a, SLO);
    const lines = s.split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[2]!, /^elastic\s/);
    assert.match(lines[4]!, /^static 2 \(best static\)/);
    assert.match(lines[3]!, /40\.0% \(20\/50\)/);
    assert.match(lines[2]!, /4\.1% \(2\/49\)/); // window 5 had no requests
    assert.match(lines[2]!, /\s2\s/); // lost
  });

  it('tabulates the reaction to each step and the steady states', () => {
    const r = reactionTable(t, a).split('\n');
    assert.equal(r.length, 2 + trace.steps.length);
    assert.match(r[2]!, /1\.0 s up 1,000 → 3,400\s+\+1 after 30\s+100\s+never\s+0$/);
    const s = steadyTable(a).split('\n');
    assert.equal(s.length, 2 + trace.phases.length);
    assert.match(s[3]!, /high.*\s2\s.*\s2\s.*ok$/);
  });

  it('writes one CSV row per window and configuration', () => {
    const csv = timelineCsv([t], SLO).trim().split('\n');
    assert.equal(csv[0], CSV_HEADER);
    assert.equal(csv.length, 1 + 3 * 50);
    for (const line of csv) assert.equal(line.split(',').length, CSV_HEADER.split(',').length);
    assert.equal(csv[1], '0,steps,elastic,1000,1000,1.00,100,0,2,0,');
    assert.equal(csv[2], '100,steps,elastic,1000,1000,1.00,100,0,0,0,321');
    assert.equal(csv[6], '500,steps,elastic,1000,0,1.00,,,0,0,'); // no requests: neither missed nor met
    assert.equal(csv[11], '1000,steps,elastic,3400,1000,1.70,2000,1,0,0,');
  });

  it('plots every trace as a column with the elastic and best static series', () => {
    const svg = elasticityFigure([t], [a], SLO, 'subtitle', 2);
    assert.match(svg, /^<svg /);
    for (const s of ['offered', 'achieved (elastic)', 'elastic', 'static 2 (best static)']) assert.ok(svg.includes(`data-series="${s}"`), s);
    assert.ok(svg.includes('SLO 500 µs'));
  });
});

describe('underloadWarning', () => {
  const peak = (achieved: number): StepResult => ({
    offered: 1_000_000, achieved, p50: 9000, p99: 90_000, p999: 90_000, max: 90_000, mean: 9000, count: 1000, scheduled: 1000, completedTotal: 1000, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0, generatorCpuMs: 0, gcMaxMs: 0, gcTotalMs: 0, histogram: '',
  });

  it('warns when the traces stay under half of the saturated throughput of a thread', () => {
    assert.match(underloadWarning(4000, peak(200_000))!, /top out at 4,000 req\/s, 2% of the 200,000 req\/s/);
    assert.equal(underloadWarning(112_000, peak(200_000)), undefined);
  });

  it('says nothing without a peak measurement', () => {
    assert.equal(underloadWarning(4000, undefined), undefined);
    assert.equal(underloadWarning(4000, peak(0)), undefined);
  });
});

describe('calibratedCapacity', () => {
  const step = (offered: number, achieved: number, p50: number, p99: number): StepResult => ({
    offered, achieved, p50, p99, p999: p99, max: p99, mean: p50, count: 1000, scheduled: 1000, completedTotal: 1000, errors: 0, misses: 0, unanswered: 0, unsent: 0, maxSendLagMs: 0, generatorCpuMs: 0, gcMaxMs: 0, gcTotalMs: 0, histogram: '',
  });

  it('is the highest rate that met the SLO', () => {
    assert.deepEqual(calibratedCapacity(40_000, step(1e6, 200_000, 1e5, 1e6), undefined, SLO), { capacity: 40_000 });
  });

  it('falls back on half the saturated throughput, with a warning naming the latency floor, when no rate met the SLO', () => {
    const c = calibratedCapacity(0, step(1e6, 321_620, 1e5, 1e6), step(1250, 1233, 60, 4759), SLO);
    assert.equal(c.capacity, 160_810);
    assert.match(c.warning!, /no rate met p99 <= 500 µs .*p99 4,759 µs at 1,250 req\/s, p50 60 µs/);
    assert.throws(() => calibratedCapacity(0, step(1e6, 0, 0, 0), undefined, SLO), /give --low and --high/);
  });
});
