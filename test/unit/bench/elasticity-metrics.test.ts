import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestStatic, coreSeconds, maxThreads, meanThreads, missSummary, RECOVERED_WINDOWS, steadyStates, stepReactions, threadsAt, threadsPerWindow,
} from '../../../bench/lib/elasticity-metrics.ts';
import type { RunTimeline, ThreadEvent } from '../../../bench/lib/elasticity-metrics.ts';
import { stepsTrace } from '../../../bench/lib/load-trace.ts';

const SLO = 500;
/** Windows from a p99 per window (NaN: no requests). */
const windows = (p99s: number[]) => p99s.map((p99) => ({ count: Number.isNaN(p99) ? 0 : 100, p99 }));
const flat = (n: number, p99: number) => new Array<number>(n).fill(p99);

describe('thread timelines', () => {
  const ev: ThreadEvent[] = [{ tMs: 0, threads: 1 }, { tMs: 1000, threads: 2 }, { tMs: 1500, threads: 3 }, { tMs: 3000, threads: 1 }];

  it('reads the count at a time (a change counts from its instant)', () => {
    assert.equal(threadsAt(ev, 0), 1);
    assert.equal(threadsAt(ev, 999.9), 1);
    assert.equal(threadsAt(ev, 1000), 2);
    assert.equal(threadsAt(ev, 5000), 1);
    assert.equal(threadsAt(ev, -5), 1);
  });

  it('integrates threads over time: core-seconds, means and maxima over intervals', () => {
    // 1 s x 1 + 0.5 s x 2 + 1.5 s x 3 + 1 s x 1 = 7.5 core-seconds over 4 s
    assert.equal(coreSeconds(ev, 4000), 7.5);
    assert.equal(coreSeconds([{ tMs: 0, threads: 3 }], 2000), 6);
    assert.equal(meanThreads(ev, 1000, 2000), 2.5);
    assert.equal(meanThreads(ev, 500, 1000), 1);
    assert.equal(maxThreads(ev, 0, 1500), 2);
    assert.equal(maxThreads(ev, 1200, 4000), 3);
    assert.deepEqual(threadsPerWindow(ev, 500, 8), [1, 1, 2, 3, 3, 3, 1, 1]);
  });
});

describe('missed windows', () => {
  it('counts windows over the SLO among those with requests only', () => {
    const m = missSummary(windows([100, 600, NaN, 500, 501, NaN]), SLO);
    assert.deepEqual(m, { missed: 2, counted: 4, share: 0.5 });
    assert.deepEqual(missSummary(windows([NaN, NaN]), SLO), { missed: 0, counted: 0, share: 0 });
    assert.equal(missSummary(windows([900, 100, 100, 900]), SLO, 1, 3).missed, 0);
  });
});

describe('stepReactions', () => {
  // 5 phases of 10 windows of 100 ms: steps at 1 s (up), 2 s (down), 3 s (up), 4 s (down).
  const trace = stepsTrace({ low: 1000, high: 5000, windowMs: 100, phaseMs: 1000 });

  it('times the added thread and the p99 recovery after each step up, the given-back thread after each step down', () => {
    const p99 = flat(50, 100);
    // After the first step up p99 misses for 3 windows (10, 11, 12); after the second it never does.
    p99[10] = 2000; p99[11] = 900; p99[12] = 700;
    // A lone good window inside a bad stretch does not count as recovered (needs RECOVERED_WINDOWS).
    p99[14] = 800;
    const run: RunTimeline = {
      config: 'elastic',
      windows: windows(p99),
      threads: [{ tMs: 0, threads: 1 }, { tMs: 1040, threads: 2 }, { tMs: 3025, threads: 3 }, { tMs: 4000 + 1800, threads: 1 }],
    };
    const r = stepReactions(trace, run, SLO);
    assert.equal(r.length, 4);
    assert.deepEqual(r.map((x) => x.direction), ['up', 'down', 'up', 'down']);
    assert.equal(r[0]!.coreChangeMs, 40);
    assert.equal(RECOVERED_WINDOWS, 3);
    assert.equal(r[0]!.sloRecoveredMs, 500); // windows 15, 16, 17 are the first three good ones in a row
    // No thread given back before the next step (3 s): none counts for the step down at 2 s.
    assert.equal(r[1]!.coreChangeMs, undefined);
    assert.equal(r[1]!.sloRecoveredMs, 0);
    assert.equal(r[2]!.coreChangeMs, 25);
    assert.equal(r[2]!.sloRecoveredMs, 0);
    // The trace ends at 5 s: a removal 1.8 s after the last step (at 5.8 s) is past it.
    assert.equal(r[3]!.coreChangeMs, undefined);
  });

  it('sees a removal within the phase, and no recovery when p99 stays over the SLO', () => {
    const p99 = flat(50, 100);
    for (let w = 30; w < 40; w++) p99[w] = 5000;
    const run: RunTimeline = { config: 'elastic', windows: windows(p99), threads: [{ tMs: 0, threads: 2 }, { tMs: 2600, threads: 1 }] };
    const r = stepReactions(trace, run, SLO);
    assert.equal(r[0]!.coreChangeMs, undefined); // already at 2: nothing added
    assert.equal(r[1]!.coreChangeMs, 600);
    assert.equal(r[2]!.sloRecoveredMs, undefined);
  });

  it('does not take a change just before the step for a reaction to it, but one at its instant', () => {
    const run: RunTimeline = { config: 'elastic', windows: windows(flat(50, 100)), threads: [{ tMs: 0, threads: 1 }, { tMs: 999, threads: 2 }, { tMs: 1001, threads: 1 }, { tMs: 3000, threads: 2 }] };
    const r = stepReactions(trace, run, SLO);
    assert.equal(r[0]!.coreChangeMs, undefined); // 2 before the step, back to 1 after it: no addition
    assert.equal(r[2]!.coreChangeMs, 0);
  });
});

describe('steady states and the best static allocation', () => {
  const trace = stepsTrace({ low: 1000, high: 5000, windowMs: 100, phaseMs: 1000 });
  // static 1 misses in the high phases (windows 10-19 and 30-39); static 2 misses in "higher" (30-39) only.
  const p1 = flat(50, 100);
  const p2 = flat(50, 100);
  for (let w = 10; w < 20; w++) p1[w] = 2000;
  for (let w = 30; w < 40; w++) p1[w] = p2[w] = 3000;
  const s1: RunTimeline = { config: 'static 1', staticThreads: 1, windows: windows(p1), threads: [{ tMs: 0, threads: 1 }] };
  const s2: RunTimeline = { config: 'static 2', staticThreads: 2, windows: windows(p2), threads: [{ tMs: 0, threads: 2 }] };
  const s3: RunTimeline = { config: 'static 3', staticThreads: 3, windows: windows(flat(50, 100)), threads: [{ tMs: 0, threads: 3 }] };

  it('compares the elastic mean threads in the last half of each phase with the fewest static threads that met the SLO there', () => {
    const elastic: RunTimeline = { config: 'elastic', windows: windows(flat(50, 100)), threads: [{ tMs: 0, threads: 1 }, { tMs: 1050, threads: 2 }, { tMs: 2500, threads: 1 }, { tMs: 3030, threads: 2 }, { tMs: 3100, threads: 3 }, { tMs: 4200, threads: 2 }, { tMs: 4700, threads: 1 }] };
    const s = steadyStates(trace, elastic, [s3, s1, s2], SLO);
    assert.deepEqual(s.map((x) => x.label), ['low', 'high', 'low', 'higher', 'low']);
    assert.deepEqual(s.map((x) => [x.fromMs, x.toMs]), [[500, 1000], [1500, 2000], [2500, 3000], [3500, 4000], [4500, 5000]]);
    assert.deepEqual(s.map((x) => x.needed), [1, 2, 1, 3, 1]);
    assert.deepEqual(s.map((x) => x.elasticMean), [1, 2, 1, 3, 1.4]); // 200 ms at 2, 300 ms at 1
    assert.deepEqual(s.map((x) => x.elasticMax), [1, 2, 1, 3, 2]);
    assert.ok(s.every((x) => !x.overProvisioned));
    assert.equal(s[1]!.staticShares.get(1), 1);
    assert.equal(s[1]!.staticShares.get(2), 0);
  });

  it('flags an elastic run holding more than needed + 1 threads', () => {
    const elastic: RunTimeline = { config: 'elastic', windows: windows(flat(50, 100)), threads: [{ tMs: 0, threads: 3 }] };
    const s = steadyStates(trace, elastic, [s1, s2, s3], SLO);
    assert.deepEqual(s.map((x) => x.overProvisioned), [true, false, true, false, true]);
  });

  it('has no steady states for a trace without steps', () => {
    const smooth = { ...trace, steps: [] };
    assert.deepEqual(steadyStates(smooth, s1, [s1], SLO), []);
  });

  it('picks the fewest static threads missing no more windows than the elastic run, and the ratio of core-seconds', () => {
    // Elastic misses 2 windows of 50; static 2 misses 10, static 3 none: static 3 is the best comparable.
    const p = flat(50, 100);
    p[10] = p[30] = 900;
    const elastic: RunTimeline = { config: 'elastic', windows: windows(p), threads: [{ tMs: 0, threads: 1 }, { tMs: 1000, threads: 2 }, { tMs: 2000, threads: 1 }] };
    const b = bestStatic(elastic, [s2, s1, s3], SLO, 5000);
    assert.equal(b.threads, 3);
    assert.equal(b.matched, true);
    assert.equal(b.coreSeconds, 15);
    assert.equal(b.elasticCoreSeconds, 6);
    assert.equal(b.ratio, 6 / 15);
    // An elastic run as bad as static 1 compares with static 1.
    assert.equal(bestStatic({ ...elastic, windows: windows(p1) }, [s1, s2, s3], SLO, 5000).threads, 1);
    // When no static run is as good, the most threads are the comparison.
    const noneAsGood = bestStatic({ ...elastic, windows: windows(flat(50, 100)) }, [s1, s2], SLO, 5000);
    assert.equal(noneAsGood.threads, 2);
    assert.equal(noneAsGood.matched, false);
  });
});
