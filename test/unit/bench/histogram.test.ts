import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencyHistogram, encodeHistogram, mergeHistograms, recordMicros, summarize } from '../../../bench/loadgen/histogram.ts';

describe('latency histograms', () => {
  it('merging encoded per-worker histograms gives the percentiles of all the samples', () => {
    // Worker A saw fast requests, worker B slow ones: the merged p50 and p99 must come from the
    // union, which no average of per-worker percentiles gives.
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    for (let i = 1; i <= 900; i++) recordMicros(a, 100);
    for (let i = 1; i <= 100; i++) recordMicros(b, 10_000 + i);
    const merged = mergeHistograms([encodeHistogram(a), encodeHistogram(b)]);
    const s = summarize(merged);
    assert.equal(s.count, 1000);
    assert.equal(s.p50, 100);
    assert.ok(Math.abs(s.p99 - 10_090) <= 10, `p99 ${s.p99}`); // 3 significant digits
    assert.ok(Math.abs(s.max - 10_100) <= 10, `max ${s.max}`);
  });

  it('keeps microsecond resolution for small values and clamps what is out of range', () => {
    const h = createLatencyHistogram();
    recordMicros(h, 0.2); // sub-microsecond rounds up to the lowest value, not to zero
    recordMicros(h, 37.4);
    recordMicros(h, 1e12); // a hopelessly late response must not throw
    const s = summarize(mergeHistograms([encodeHistogram(h)]));
    assert.equal(s.count, 3);
    assert.equal(s.p50, 37);
    assert.ok(s.max >= 60_000_000 * 0.999);
  });

  it('summarizes an empty histogram as NaN rather than zeros that look like great latency', () => {
    const s = summarize(mergeHistograms([]));
    assert.equal(s.count, 0);
    assert.ok(Number.isNaN(s.p99));
  });
});
