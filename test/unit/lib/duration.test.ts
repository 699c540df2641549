import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs } from '../../../src/lib/duration.ts';

describe('durationMs', () => {
  it('reads the units the CRD accepts, alone and combined', () => {
    assert.equal(durationMs('500us'), 0.5);
    assert.equal(durationMs('500µs'), 0.5);
    assert.equal(durationMs('100ms'), 100);
    assert.equal(durationMs('2s'), 2000);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs('1h'), 3_600_000);
    assert.equal(durationMs('250ns'), 0.00025);
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', '5', 's', '10 ms', '-1s', '1d', '1s ']) assert.throws(() => durationMs(bad), /invalid duration/, bad);
  });
});
