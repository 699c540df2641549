import type { Store } from './store/store.ts';
import type { ServerInfo } from './protocol/session.ts';
import { Session } from './protocol/session.ts';
import { handleRequest } from './protocol/request.ts';
import { CLOSE, NEED_MORE } from './protocol/limits.ts';
import { ConnectionCounters } from './counters.ts';
import type { ServerCounters } from './counters.ts';
import { S } from './store/stats.ts';
import type { Transport } from './engine-transport.ts';
import { registerConnection, type ConnectionEntry } from './connection-registry.ts';

/** Unserved input a connection buffers before it leaves the rest in the kernel (see holdInput). */
export const INPUT_HIGH_WATER = 256 * 1024;
const INPUT_LOW_WATER = 64 * 1024;

export interface ConnectionOptions {
  /** Requests handled per batch before yielding to other connections (IX's B). */
  batchBound: number;
  /** Stop reading while more than this many bytes wait in the socket's write buffer. */
  writeHighWater: number;
}

/**
 * One client connection. Everything it touches arrives through the constructor (transport, store
 * attachment, counters), so it runs on whichever thread's event loop owns the connection, on
 * either engine (engine-transport.ts: libuv sockets or the thread's io_uring ring).
 *
 * On each read it handles the requests that have arrived, up to the batch bound, to completion,
 * and writes all their responses with one corked write (a single writev). It never waits to fill
 * a batch and sets no timers; past the bound it continues on setImmediate so other connections
 * get their turn. Item references behind value views are released when the write completes.
 *
 * Input is parsed where it landed: reads queue up uncopied, and only a request split between two
 * reads is joined (once). Joining every read onto the backlog instead made an overloaded connection
 * copy its whole backlog per read, quadratic work that collapsed throughput under a pipelined flood.
 */
export class Connection {
  readonly counters = new ConnectionCounters();
  private readonly session: Session;
  /** Unconsumed input is buf[pos..]. */
  private buf: Buffer | null = null;
  private pos = 0;
  /** Chunks held back, uncopied, while a large request is still arriving. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private scheduled = false;
  /** Output backpressure: no reading and no serving until the client has read its answers. */
  private paused = false;
  /** Input backpressure: no reading until the backlog of unserved input is worked down. */
  private inputHeld = false;
  private done = false;
  /** Item references of writes still in flight. */
  private readonly inflight = new Set<number[]>();
  /** This connection's line in `stats conns` (connection-registry.ts). */
  private readonly entry: ConnectionEntry;

  private closed = false;
  private readonly onClosed: (() => void)[] = [];

  /** Serves the connection `transport` carries; it starts reading now. */
  constructor(
    private readonly transport: Transport,
    private readonly store: Store,
    info: ServerInfo,
    private readonly options: ConnectionOptions,
    private readonly server: ServerCounters,
  ) {
    this.session = new Session(store, info);
    this.entry = registerConnection(info.connections, transport.peer, store.now());
    transport.start({
      data: (chunk) => this.onReceive(chunk),
      drain: () => this.onDrain(),
      close: () => this.onClose(),
    });
  }

  private onData(chunk: Buffer): void {
    if (this.done || this.detaching) {
      if (this.detaching) this.parts.push(chunk); // handed over with the rest by detach()
      return;
    }
    this.counters.bytesRead += chunk.length;
    this.server.bytesRead += chunk.length;
    this.store.count(S.bytes_read, chunk.length);
    if (this.buf === null) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      // Queued as it came, uncopied: the parser reaches it when it has used up what is before it.
      this.parts.push(chunk);
      this.partsLength += chunk.length;
    }
    if (!this.scheduled && !this.paused) this.runBatch();
    else this.holdInput();
  }

  private onReceive(chunk: Buffer): void {
    this.onData(chunk);
    if (this.transport.transient(chunk)) this.unshare();
  }

  /**
   * After a read into memory the engine reuses (the thread's receive buffer, the ring's provided
   * buffers) has been served: copies out what is left of it (a request split between reads,
   * requests past the batch bound, input held while the client is not reading its answers), since
   * the next read overwrites it. memcached moves the same leftover to the front of its read buffer.
   */
  private unshare(): void {
    const t = this.transport;
    const buf = this.buf;
    if (buf !== null && t.transient(buf)) {
      this.buf = this.pos < buf.length ? Buffer.from(buf.subarray(this.pos)) : null;
      this.pos = 0;
    }
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) if (t.transient(parts[i]!)) parts[i] = Buffer.from(parts[i]!);
  }

  /**
   * The next input to parse, when buf[pos..] is used up or ends in an incomplete request: the next
   * queued chunk as is, or the incomplete tail joined with as many chunks as it needs (the only
   * copy: memcached moves a partial request to the front of its buffer the same way). False when
   * there is nothing to go on with yet.
   */
  private advance(): boolean {
    const rest = this.buf === null ? 0 : this.buf.length - this.pos;
    if (this.parts.length === 0) return false;
    if (rest === 0) {
      this.buf = this.parts.shift()!;
      this.partsLength -= this.buf.length;
      this.pos = 0;
      return true;
    }
    // A large value arrives in many reads: wait until all of it is here, then copy once.
    const need = Math.max(this.session.needBytes, rest + 1);
    if (rest + this.partsLength < need) return false;
    const joined = [this.buf!.subarray(this.pos)];
    let have = rest;
    while (have < need) {
      const c = this.parts.shift()!;
      joined.push(c);
      have += c.length;
      this.partsLength -= c.length;
    }
    this.buf = Buffer.concat(joined, have);
    this.pos = 0;
    return true;
  }

  /**
   * Input backpressure. Past the batch bound a connection waits for its next turn, and a client
   * that sends faster than it is served would otherwise pile its requests up in this process
   * without limit. Held past INPUT_HIGH_WATER, they stay in the kernel instead, where TCP flow
   * control slows the client down, as memcached's reads only when it serves do.
   */
  private holdInput(): void {
    const backlog = this.partsLength + (this.buf === null ? 0 : this.buf.length - this.pos);
    // A request larger than the bound (a big value still arriving) must be read whole: holding
    // its bytes back in the kernel would wait for ever.
    const waitingForMore = backlog < this.session.needBytes;
    if (!this.inputHeld && backlog > INPUT_HIGH_WATER && !waitingForMore) {
      this.inputHeld = true;
      this.transport.pause();
    } else if (this.inputHeld && (backlog <= INPUT_LOW_WATER || waitingForMore)) {
      this.inputHeld = false;
      if (!this.paused && !this.detaching && !this.done) this.transport.resume();
    }
  }

  private readonly continueBatch = (): void => {
    this.scheduled = false;
    if (!this.done && !this.paused && !this.detaching) this.runBatch();
  };

  private detaching = false;

  /**
   * Bytes a previous owner had read but not served (a flow-group migration): handled before
   * anything this owner reads, so no request is lost or reordered.
   */
  adopt(pending: Buffer): void {
    if (pending.length === 0) return;
    if (this.buf === null) {
      this.buf = pending;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([pending, this.buf.subarray(this.pos)]);
      this.pos = 0;
    }
    if (!this.scheduled && !this.paused) this.runBatch();
  }

  /**
   * Gives the connection up for another thread: stops reading, lets the writes in flight complete
   * (their item references are released then), and returns every byte read but not yet served. The
   * caller duplicates the descriptor before calling `abandon()`.
   */
  async detach(): Promise<Buffer> {
    this.detaching = true;
    this.transport.pause();
    // Reads still in flight land in parts (onData while detaching).
    await this.transport.quiesce();
    const pending: Buffer[] = [];
    if (this.buf !== null) pending.push(this.buf.subarray(this.pos));
    pending.push(...this.parts, ...this.transport.takeUnread());
    this.buf = null;
    this.parts = [];
    this.partsLength = 0;
    return Buffer.concat(pending);
  }

  /** A duplicate of the connection's descriptor for another thread, or -1. */
  duplicate(): number {
    return this.transport.duplicate();
  }

  /** After detach() and a dup of the descriptor: closes this thread's handle, not the connection. */
  abandon(): void {
    this.done = true;
    this.transport.abandon();
  }

  private runBatch(): void {
    const s = this.session;
    const bound = this.options.batchBound;
    let n = 0;
    let close = false;
    this.store.beginBatch();
    this.entry.set('conn_parse_cmd');
    while (n < bound) {
      if ((this.buf === null || this.pos >= this.buf.length) && !this.advance()) break;
      let next: number;
      try {
        next = handleRequest(s, this.buf!, this.pos);
      } catch (err) {
        // A bug must cost one connection, not the server: answer like memcached does when it
        // cannot go on, and hang up.
        process.emitWarning(`dataplane: closing a connection after an internal error: ${String(err)}`);
        s.out.line('SERVER_ERROR internal error');
        close = true;
        break;
      }
      if (next === NEED_MORE) {
        if (this.advance()) continue;
        break;
      }
      if (next === CLOSE) {
        close = true;
        break;
      }
      this.pos = next;
      n++;
      if (s.closing) {
        close = true;
        break;
      }
    }
    if (n > 0) this.entry.commandAt(this.store.now());
    this.store.endBatch();
    if (n > 0) {
      this.counters.requests += n;
      this.counters.batches++;
      this.server.requests += n;
      this.server.batches++;
      this.server.batchSizes[n]!++;
    }
    this.flush();
    if (close) {
      this.finish();
      return;
    }
    this.entry.set(this.paused ? 'conn_mwrite' : s.swallow > 0 ? 'conn_swallow' : s.awaitingValue ? 'conn_nread' : 'conn_read');
    const buf = this.buf;
    if (n === bound && (this.parts.length > 0 || (buf !== null && this.pos < buf.length))) {
      this.server.yields++;
      this.scheduled = true;
      setImmediate(this.continueBatch);
    } else if (buf !== null && this.pos >= buf.length) {
      this.buf = null;
      this.pos = 0;
    } else if (buf !== null && this.pos > 0) {
      // Keep only the partial request, not the whole read buffer it sits in.
      this.buf = Buffer.from(buf.subarray(this.pos));
      this.pos = 0;
    }
    this.holdInput();
  }

  private flush(): void {
    const out = this.session.out;
    if (out.empty) return;
    const { chunks, refs, bytes } = out.take();
    this.counters.bytesWritten += bytes;
    this.server.bytesWritten += bytes;
    this.store.count(S.bytes_written, bytes);
    const t = this.transport;
    if (t.destroyed) {
      for (const r of refs) this.store.release(r);
      return;
    }
    let done: (() => void) | undefined;
    if (refs.length > 0) {
      this.inflight.add(refs);
      done = () => this.releaseBatch(refs);
    }
    t.write(chunks, done);
    if (!this.paused && t.writableLength > this.options.writeHighWater) {
      this.paused = true;
      t.pause();
    }
  }

  private releaseBatch(refs: number[]): void {
    if (!this.inflight.delete(refs)) return;
    for (const r of refs) this.store.release(r);
  }

  private onDrain(): void {
    if (!this.paused || this.done) return;
    this.paused = false;
    this.entry.set('conn_read');
    if (!this.inputHeld) this.transport.resume();
    if (!this.scheduled && (this.buf !== null || this.parts.length > 0)) this.runBatch();
  }

  /** Stops serving: what was written goes out, further input is ignored. */
  private finish(): void {
    this.done = true;
    this.entry.set('conn_closing');
    this.buf = null;
    this.parts = [];
    this.transport.end();
  }

  private onClose(): void {
    this.done = true;
    this.entry.release();
    this.buf = null;
    this.parts = [];
    for (const r of this.session.out.discard()) this.store.release(r);
    for (const refs of [...this.inflight]) this.releaseBatch(refs);
    this.closed = true;
    for (const f of this.onClosed.splice(0)) f();
  }

  /**
   * Server shutdown: stops reading, lets the answers already written go out, then closes (FIN, not
   * a reset, so a client sees every response to what it sent before). Resolves once closed, or after
   * `timeoutMs` with the connection destroyed (a client that does not read must not hold us up).
   */
  shutdown(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.whenClosed(resolve));
    const timer = setTimeout(() => this.transport.destroy(), timeoutMs);
    if (!this.done) this.finish();
    return closed.finally(() => clearTimeout(timer));
  }

  /** Runs `f` once the connection has closed (on this thread). */
  whenClosed(f: () => void): void {
    if (this.closed) f();
    else this.onClosed.push(f);
  }

  /** Closes the connection now. */
  destroy(): void {
    this.transport.destroy();
  }
}
