import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diurnalTrace, FIRST_STEP_SHARE, stepsTrace } from '../../../bench/lib/load-trace.ts';

describe('stepsTrace', () => {
  const t = stepsTrace({ low: 1000, high: 11_000, windowMs: 100, phaseMs: 2000 });

  it('goes low, high, low, higher, low, one phase of phaseMs each', () => {
    assert.equal(t.name, 'steps');
    assert.equal(t.rates.length, 100);
    assert.deepEqual(t.phases.map((p) => p.label), ['low', 'high', 'low', 'higher', 'low']);
    assert.deepEqual(t.phases.map((p) => [p.start, p.end]), [[0, 20], [20, 40], [40, 60], [60, 80], [80, 100]]);
    const mid = 1000 + FIRST_STEP_SHARE * 10_000;
    for (const p of t.phases) {
      const expected = p.label === 'low' ? 1000 : p.label === 'high' ? mid : 11_000;
      assert.ok(t.rates.slice(p.start, p.end).every((r) => r === expected), `${p.label} at ${expected}`);
    }
    assert.ok(mid > 1000 && mid < 11_000);
  });

  it('lists its four steps with their direction', () => {
    assert.deepEqual(t.steps.map((s) => [s.window, s.to > s.from ? 'up' : 'down']), [[20, 'up'], [40, 'down'], [60, 'up'], [80, 'down']]);
    assert.equal(t.steps[2]!.to, 11_000);
  });

  it('refuses phases shorter than a window and a high below the low', () => {
    assert.throws(() => stepsTrace({ low: 1, high: 2, windowMs: 100, phaseMs: 10 }), /shorter/);
    assert.throws(() => stepsTrace({ low: 5, high: 2, windowMs: 100, phaseMs: 1000 }), /low <= high/);
  });
});

describe('diurnalTrace', () => {
  const t = diurnalTrace({ low: 2000, high: 10_000, windowMs: 100, durationMs: 12_000 });

  it('rises from low to high and falls back, symmetrically, as a raised cosine', () => {
    assert.equal(t.rates.length, 120);
    assert.equal(t.steps.length, 0);
    const max = Math.max(...t.rates);
    const min = Math.min(...t.rates);
    assert.ok(min >= 2000 && min < 2020, `min ${min}`);
    assert.ok(max <= 10_000 && max > 9990, `max ${max}`);
    assert.ok(Math.abs(t.rates[59]! - max) < 1e-6 || Math.abs(t.rates[60]! - max) < 1e-6);
    for (let w = 0; w < 60; w++) assert.ok(Math.abs(t.rates[w]! - t.rates[119 - w]!) < 1e-6, `window ${w}`);
    for (let w = 1; w < 60; w++) assert.ok(t.rates[w]! > t.rates[w - 1]!);
    // A quarter of the way through, the cosine is half way.
    assert.ok(Math.abs(t.rates[30]! - 6000) < 300, `rate at a quarter ${t.rates[30]}`);
  });

  it('labels night, rising, peak, falling, night, covering every window once', () => {
    assert.deepEqual(t.phases.map((p) => p.label), ['night', 'rising', 'peak', 'falling', 'night']);
    assert.equal(t.phases[0]!.start, 0);
    assert.equal(t.phases.at(-1)!.end, 120);
    for (let i = 1; i < t.phases.length; i++) assert.equal(t.phases[i]!.start, t.phases[i - 1]!.end);
    const peak = t.phases.find((p) => p.label === 'peak')!;
    assert.ok(t.rates.slice(peak.start, peak.end).every((r) => r >= 2000 + 0.74 * 8000));
  });
});
