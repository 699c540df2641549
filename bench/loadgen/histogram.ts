/**
 * Latency histograms in microseconds. Each generator worker records into its own histogram and
 * sends it encoded; the coordinator merges them, which keeps percentiles exact to the histogram's
 * precision (averaging per-worker percentiles would not).
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

// 1 µs to 60 s at 3 significant digits: 0.1% error, room for badly overloaded steps.
const HIGHEST_US = 60_000_000;

export function createLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Records a latency in µs, clamped to the histogram's range (an overload must not throw). */
export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(micros))));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = createLatencyHistogram();
  for (const e of encoded) merged.add(hdr.decodeFromCompressedBase64(e));
  return merged;
}

export interface LatencySummary { count: number; p50: number; p99: number; p999: number; max: number; mean: number }

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: h.mean,
  };
}
