import type { Store } from '../store/store.ts';

const EMPTY = Buffer.alloc(0);

// Small enough to come from Node's shared allocation pool, so an idle connection that once
// answered holds a slice of a pool rather than a buffer of its own; busy batches grow past it.
const SCRATCH_BYTES = 4000;

/** Values (with their CRLF) up to this many bytes are copied into the batch instead of viewed. */
export const COPY_BREAK = 512;

/** Up to this many bytes, text and byte copies are done in a JS loop rather than a native call. */
const SHORT = 64;

/**
 * Responses of one batch: header bytes are written into a scratch buffer, values are views of
 * store memory, and the whole batch becomes a list of chunks for one corked write. The item
 * references behind the views are handed over with the chunks and released after the write.
 * Sealed parts of the scratch buffer are never written again, so the next batch continues in the
 * same scratch buffer while earlier writes are still in flight.
 */
export class Output {
  chunks: Buffer[] = [];
  refs: number[] = [];
  bytes = 0;
  private buf = EMPTY;
  private start = 0;
  private pos = 0;
  // Where the current command's replies began (see mark): plain fields, so marking allocates nothing.
  private markChunks = 0;
  private markRefs = 0;
  private markBytes = 0;
  private markBuf = EMPTY;
  private markStart = 0;
  private markPos = 0;

  get empty(): boolean {
    return this.bytes === 0 && this.pos === this.start;
  }

  private room(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    this.seal();
    this.buf = Buffer.allocUnsafe(Math.max(SCRATCH_BYTES, n));
    this.start = 0;
    this.pos = 0;
  }

  private seal(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.bytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** ASCII text (latin1: one byte per char, so key bytes survive a round trip). */
  text(s: string): void {
    const n = s.length;
    this.room(n);
    if (n <= SHORT) {
      // Protocol lines are short: a loop is cheaper than a call into the native encoder, and
      // storing a char code into a Uint8Array keeps its low byte, exactly what latin1 encoding does.
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, 'latin1');
    }
  }

  line(s: string): void {
    this.text(s);
    this.crlf();
  }

  crlf(): void {
    this.room(2);
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }

  /** One byte, e.g. a space between fields. */
  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /** A non-negative integer below 2^53 in decimal, written digit by digit (no string made). */
  uint(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.room(digits);
    const buf = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    let x = n;
    do {
      const q = Math.floor(x / 10);
      buf[--p] = 48 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  bytesOf(src: Uint8Array, s: number, e: number): void {
    const n = e - s;
    this.room(n);
    const buf = this.buf;
    if (n <= SHORT) {
      // No view object for short copies (keys, small values): the loop costs less than making one.
      let p = this.pos;
      for (let i = s; i < e; i++) buf[p++] = src[i]!;
      this.pos = p;
    } else {
      buf.set(src.subarray(s, e), this.pos);
      this.pos += n;
    }
  }

  /**
   * A value from the store, `ref` held by the caller and passed on: a view of store memory,
   * released once the batch has been written; or, up to COPY_BREAK bytes, copied into the batch
   * and released at once. Like a NIC driver's copybreak: a separate iovec and a reference held
   * through the write cost more than copying a small value, and most cache values are small.
   */
  view(store: Store, ref: number): void {
    const off = store.valueOffset(ref);
    const n = store.valueLength(ref) + 2;
    if (n <= COPY_BREAK) {
      this.bytesOf(store.mem, off, off + n);
      store.release(ref);
      return;
    }
    const v = store.valueWithCrlf(ref);
    this.seal();
    this.chunks.push(v);
    this.bytes += v.length;
    this.refs.push(ref);
  }

  /** Remembers where the current command's replies begin, for dropReplyToMark. */
  mark(): void {
    this.markChunks = this.chunks.length;
    this.markRefs = this.refs.length;
    this.markBytes = this.bytes;
    this.markBuf = this.buf;
    this.markStart = this.start;
    this.markPos = this.pos;
  }

  /**
   * Drops what was written since mark() (a multi-key command that fails part way answers only its
   * error, as memcached does) and returns the references its values held, for the caller to release.
   * Nothing since the mark has been handed over: take() seals only at the end of a batch.
   */
  dropReplyToMark(): number[] {
    const dropped = this.refs.splice(this.markRefs);
    this.chunks.length = this.markChunks;
    this.bytes = this.markBytes;
    this.buf = this.markBuf;
    this.start = this.markStart;
    this.pos = this.markPos;
    return dropped;
  }

  /** Hands the batch over and starts an empty one. */
  take(): { chunks: Buffer[]; refs: number[]; bytes: number } {
    this.seal();
    const batch = { chunks: this.chunks, refs: this.refs, bytes: this.bytes };
    this.chunks = [];
    this.refs = [];
    this.bytes = 0;
    return batch;
  }

  /** Drops unsent responses (the connection is closing): the caller releases the refs. */
  discard(): number[] {
    const refs = this.refs;
    this.seal();
    this.chunks = [];
    this.refs = [];
    this.bytes = 0;
    return refs;
  }
}
