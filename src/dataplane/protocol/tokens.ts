// Splits a request line into tokens by offsets into the received buffer, without copying, the way
// memcached's tokenize_command does: only ' ' separates, runs of spaces count once, the line ends at
// a NUL byte (memcached sees a C string), and at most MAX_TOKENS - 1 tokens are split off; the rest
// of the line is then left as one unsplit remainder.

export const MAX_TOKENS = 24;

export class Tokens {
  readonly start = new Int32Array(MAX_TOKENS);
  readonly end = new Int32Array(MAX_TOKENS);
  /** Tokens found (at most MAX_TOKENS - 1). */
  count = 0;
  /** Offset of the unsplit remainder, or -1 when the whole line was split. */
  rest = -1;
  /** End of the line content (before \r\n, or at the first NUL). */
  lineEnd = 0;

  /** memcached's ntokens: tokens plus its terminal entry. */
  get ntokens(): number {
    return this.count + 1;
  }

  tokenize(buf: Uint8Array, from: number, to: number): void {
    let n = 0;
    let s = from;
    let i = from;
    this.rest = -1;
    for (; i < to; i++) {
      const c = buf[i]!;
      if (c === 0) break;
      if (c === 32) {
        if (s !== i) {
          this.start[n] = s;
          this.end[n] = i;
          n++;
          if (n === MAX_TOKENS - 1) {
            // memcached stops splitting here; whatever follows the space is the remainder.
            i++;
            if (i < to && buf[i] !== 0) this.rest = i;
            while (i < to && buf[i] !== 0) i++;
            s = i;
            break;
          }
        }
        s = i + 1;
      }
    }
    if (this.rest === -1 && s < i) {
      this.start[n] = s;
      this.end[n] = i;
      n++;
    }
    this.count = n;
    this.lineEnd = i;
  }

  length(t: number): number {
    return this.end[t]! - this.start[t]!;
  }

  /** Whether token t is exactly the ASCII text `lit`. */
  is(buf: Uint8Array, t: number, lit: string): boolean {
    const s = this.start[t]!;
    if (this.end[t]! - s !== lit.length) return false;
    for (let i = 0; i < lit.length; i++) if (buf[s + i] !== lit.charCodeAt(i)) return false;
    return true;
  }
}
