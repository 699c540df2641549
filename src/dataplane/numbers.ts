// Number parsing with the semantics of C's strtoull/strtol as memcached's safe_strto* use them,
// reading bytes in place: leading white space is skipped, a sign is allowed, digits must follow,
// and the number must end at the end of the token or at a white-space byte. Overflow fails.

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Outcome of the last scan, kept in module state so the hot path allocates nothing. */
let negative = false;
let magnitude = 0n;

/** Scans [sign]digits; false when there are no digits, the digits run into a non-space byte, or over 20 digits. */
function scan(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isSpace(buf[i]!)) i++;
  negative = false;
  if (i < end && (buf[i] === 43 || buf[i] === 45)) {
    negative = buf[i] === 45;
    i++;
  }
  const first = i;
  let small = 0;
  while (i < end && i - first < 15 && buf[i]! >= 48 && buf[i]! <= 57) small = small * 10 + (buf[i++]! - 48);
  let big = BigInt(small);
  let long = false;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) {
    if (!long) long = true;
    big = big * 10n + BigInt(buf[i++]! - 48);
    if (big > U64_MAX * 10n) return false; // far beyond any range: stop growing
  }
  if (i === first) return false;
  if (i < end && !isSpace(buf[i]!) && buf[i] !== 0) return false; // C strings also end at NUL
  magnitude = long ? big : BigInt(small);
  return true;
}

/** safe_strtoull: an unsigned 64-bit value, or -1n on failure. "-N" wraps but fails when the wrapped value reads as negative. */
export function parseU64(buf: Uint8Array, start: number, end: number): bigint {
  if (!scan(buf, start, end)) return -1n;
  if (magnitude > U64_MAX) return -1n;
  if (!negative) return magnitude;
  const v = (-magnitude) & U64_MAX;
  return v > I64_MAX ? -1n : v;
}

/**
 * safe_strtoul on a 64-bit system, whose result memcached stores into a 32-bit flags field: parsed
 * as unsigned long, then truncated to 32 bits. -1 on failure.
 */
export function parseFlags(buf: Uint8Array, start: number, end: number): number {
  const v = parseU64(buf, start, end);
  return v < 0n ? -1 : Number(v & 0xffffffffn);
}

/**
 * safe_strtol as memcached 1.6.18 behaves: parsed as a 64-bit long (overflow fails), then stored
 * into an int32, which truncates like C (memcached 1.6.18 takes 99999999999 as 1215752191). NaN on failure.
 */
export function parseI32(buf: Uint8Array, start: number, end: number): number {
  // Fast path: short plain decimal tokens, the usual case for exptime and byte counts.
  const len = end - start;
  if (len > 0 && len < 10) {
    let v = 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === end) return v;
  }
  if (!scan(buf, start, end)) return NaN;
  if (magnitude > (negative ? I64_MAX + 1n : I64_MAX)) return NaN;
  return Number(BigInt.asIntN(32, negative ? -magnitude : magnitude));
}
