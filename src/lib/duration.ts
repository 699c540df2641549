// Go-style durations ("500us", "1.5s", "1m30s"), as the Dataplane spec writes them (the CRD checks
// the format with CEL's duration()); turned into milliseconds for timers and thresholds.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds of a Go duration; throws on anything else (including an empty string). */
export function durationMs(text: string): number {
  let ms = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const m = PART.exec(text);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: expected e.g. 500us, 10ms, 2s or 1m30s`);
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  if (at === 0) throw new Error('invalid duration "": expected e.g. 500us, 10ms, 2s or 1m30s');
  return ms;
}
