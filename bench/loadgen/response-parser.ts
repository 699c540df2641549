/**
 * Incremental parser of memcached text-protocol responses, as a load generator needs it: it does
 * not keep values, it only tells, in order, how each response ended, so the caller can match
 * responses to its requests FIFO per connection. Chunks may split a response anywhere (inside a
 * line, inside a value's data block, between "\r" and "\n").
 */
export type ResponseKind = 'hit' | 'miss' | 'stored' | 'not_stored' | 'exists' | 'not_found' | 'deleted' | 'error';

const CR = 0x0d;
const LF = 0x0a;
const V = 0x56;
// A status line longer than this without a newline means we are not talking to memcached.
const MAX_LINE = 8192;

const STATUS_LINES: ReadonlyMap<string, ResponseKind> = new Map([
  ['STORED', 'stored'],
  ['NOT_STORED', 'not_stored'],
  ['EXISTS', 'exists'],
  ['NOT_FOUND', 'not_found'],
  ['DELETED', 'deleted'],
  ['ERROR', 'error'],
]);

export class ResponseParser {
  /** Bytes of an unfinished line carried over from the previous chunk. */
  private partial: Buffer | undefined;
  /** Data bytes (value plus its "\r\n") still to skip for the current VALUE block. */
  private skip = 0;
  /** VALUE blocks seen since the last END: a retrieval with any is a hit. */
  private values = 0;

  /** `onResponse` gets the status line too when the kind is 'error', to say what went wrong. */
  constructor(private readonly onResponse: (kind: ResponseKind, errorLine?: string) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, len - pos);
        pos += n;
        this.skip -= n;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) break;
      if (lf === pos || buf[lf - 1] !== CR) throw new Error(`malformed response line: ${JSON.stringify(buf.toString('latin1', pos, lf + 1))}`);
      this.line(buf, pos, lf - 1);
      pos = lf + 1;
    }
    if (pos < len) {
      if (len - pos > MAX_LINE) throw new Error(`response line longer than ${MAX_LINE} bytes`);
      // Copy: a view would pin the whole (possibly large) chunk until the line completes.
      this.partial = Buffer.from(buf.subarray(pos));
    }
  }

  /** True when no response is half-read (useful to check a connection ended cleanly). */
  get idle(): boolean {
    return this.partial === undefined && this.skip === 0 && this.values === 0;
  }

  /**
   * One line, without its "\r\n": [start, end). The lines every request ends with (VALUE, END,
   * STORED) are recognised on the bytes: a string per response would be garbage, and the
   * generator's scavenges are pauses charged to the server's latency.
   */
  private line(buf: Buffer, start: number, end: number): void {
    if (buf[start] === V && end - start > 6 && VALUE_PREFIX.compare(buf, start, start + 6) === 0) {
      this.skip = valueBytes(buf, start, end) + 2;
      this.values++;
      return;
    }
    if (END_LINE.compare(buf, start, end) === 0) {
      const kind: ResponseKind = this.values > 0 ? 'hit' : 'miss';
      this.values = 0;
      this.onResponse(kind);
      return;
    }
    if (STORED_LINE.compare(buf, start, end) === 0) {
      this.values = 0;
      this.onResponse('stored');
      return;
    }
    const text = buf.toString('latin1', start, end);
    const status = STATUS_LINES.get(text);
    if (status !== undefined) {
      this.values = 0;
      this.onResponse(status, status === 'error' ? text : undefined);
      return;
    }
    if (text.startsWith('CLIENT_ERROR ') || text.startsWith('SERVER_ERROR ')) {
      // An error ends the response it belongs to, even in the middle of a multi-key retrieval.
      this.values = 0;
      this.onResponse('error', text);
      return;
    }
    throw new Error(`unexpected response line: ${JSON.stringify(text.slice(0, 100))}`);
  }
}

const VALUE_PREFIX = Buffer.from('VALUE ', 'latin1');
const END_LINE = Buffer.from('END', 'latin1');
const STORED_LINE = Buffer.from('STORED', 'latin1');
const SPACE = 0x20;
const ZERO = 0x30;

/** The <bytes> field of "VALUE <key> <flags> <bytes> [<cas>]", read from the bytes. */
function valueBytes(buf: Buffer, start: number, end: number): number {
  // The field after the third space; keys and flags contain no spaces.
  let pos = start;
  for (let spaces = 0; spaces < 3; pos++) {
    if (pos >= end) throw malformedValue(buf, start, end);
    if (buf[pos] === SPACE) spaces++;
  }
  let bytes = 0;
  const first = pos;
  for (; pos < end && buf[pos] !== SPACE; pos++) {
    const d = buf[pos]! - ZERO;
    if (d < 0 || d > 9) throw malformedValue(buf, start, end);
    bytes = bytes * 10 + d;
  }
  if (pos === first || !Number.isSafeInteger(bytes)) throw malformedValue(buf, start, end);
  return bytes;
}

function malformedValue(buf: Buffer, start: number, end: number): Error {
  return new Error(`malformed VALUE line: ${JSON.stringify(buf.toString('latin1', start, end).slice(0, 100))}`);
}
