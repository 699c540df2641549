import type { Store } from '../store/store.ts';

const EMPTY = Buffer.alloc(0);

// Small enough to come from Node's shared allocation pool, so an idle connection that once
// answered holds a slice of a pool rather than a buffer of its own; busy batches grow past it.
const SCRATCH_BYTES = 4000;

/** Values (with their CRLF) up to this many bytes are copied into the batch instead of viewed. */
export const COPY_BREAK = 512;

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
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  line(s: string): void {
    this.room(s.length + 2);
    this.pos += this.buf.write(s, this.pos, 'latin1');
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }

  bytesOf(src: Uint8Array, s: number, e: number): void {
    this.room(e - s);
    this.buf.set(src.subarray(s, e), this.pos);
    this.pos += e - s;
  }

  /**
   * A value from the store, `ref` held by the caller and passed on: a view of store memory,
   * released once the batch has been written; or, up to COPY_BREAK bytes, copied into the batch
   * and released at once. Like a NIC driver's copybreak: a separate iovec and a reference held
   * through the write cost more than copying a small value, and most cache values are small.
   */
  view(store: Store, ref: number): void {
    const v = store.valueWithCrlf(ref);
    if (v.length <= COPY_BREAK) {
      this.bytesOf(v, 0, v.length);
      store.release(ref);
      return;
    }
    this.seal();
    this.chunks.push(v);
    this.bytes += v.length;
    this.refs.push(ref);
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
