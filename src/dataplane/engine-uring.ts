// The io_uring engine's connection (ADR 0019): one descriptor served by the thread's ring
// (engine-ring.ts). Reads are a multishot receive into the ring's provided buffers, cancelled to
// pause (so that a client that floods or does not read is held back by TCP, not buffered here);
// writes are sendmsg entries of the chunks as they are, one in flight per connection so that they
// stay in order, the rest coalesced into the next.
import type { Native } from './native.ts';
import type { Peer, Transport, TransportEvents } from './engine-transport.ts';
import { Ring, type RingUser } from './engine-ring.ts';

const ECANCELED = 125;
/** An empty queue, shared: write() replaces it rather than pushing into it. */
const NO_CHUNKS: Buffer[] = [];
const ENOBUFS = 105;

type Reading = 'off' | 'armed' | 'cancelling';
/** open → ending (end(): writes go out) → closing (no more writes; waits for its last completions) → closed. */
type State = 'open' | 'ending' | 'closing' | 'closed';

export class UringTransport implements Transport, RingUser {
  private events?: TransportEvents;
  private readonly ring: Ring;
  private readonly token: number;
  private reading: Reading = 'off';
  private paused = false;
  private state: State = 'open';
  /** Whether closing shuts the connection down (not when it was handed to another thread). */
  private shutdownOnClose = true;
  /** Chunks waiting for the send in flight to complete. */
  private queue: Buffer[] = NO_CHUNKS;
  private queuedBytes = 0;
  /** The send in flight. */
  private sending: Buffer[] | null = null;
  private sendingBytes = 0;
  /** Bytes queued and sent over the connection's life; a write's callback runs once `sentTotal` reaches its end. */
  private queuedTotal = 0;
  private sentTotal = 0;
  private dones: { at: number; done: () => void }[] = [];
  private quiesced: (() => void)[] = [];

  constructor(private readonly native: Native, private readonly fd: number) {
    this.ring = Ring.forThread(native);
    this.token = this.ring.add(this);
  }

  get peer(): Peer {
    return { fd: this.fd, ...this.native.socketPeer(this.fd) };
  }

  start(events: TransportEvents): void {
    this.events = events;
    this.arm();
  }

  transient(chunk: Buffer): boolean {
    return this.ring.owns(chunk);
  }

  private arm(): void {
    if (this.reading !== 'off' || this.paused || this.state !== 'open' || !this.events) return;
    this.reading = 'armed';
    this.ring.recv(this.fd, this.token);
  }

  private disarm(): void {
    if (this.reading !== 'armed') return;
    this.reading = 'cancelling';
    this.ring.cancelRecv(this.token);
  }

  received(res: number, chunk: Buffer | undefined, more: boolean): void {
    if (!more) this.reading = 'off';
    if (chunk) {
      if (this.state !== 'closed') this.events!.data(chunk);
    } else if (res === 0) {
      // The client hung up (half-close is not kept open, as Node's sockets by default): answers
      // already queued go out, then the connection closes.
      this.end();
    } else if (res !== -ECANCELED && res !== -ENOBUFS) {
      this.destroy(); // a reset, mostly
    }
    // Out of provided buffers (ENOBUFS): they are all back when this dispatch ends, when the
    // rearmed receive is submitted.
    if (this.reading === 'off') this.arm();
    this.settle();
  }

  write(chunks: Buffer[], done?: () => void): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    // The common case, nothing waiting: the caller's array (Output.take() hands over a new one
    // per batch) is the send's, not copied.
    if (this.queue.length === 0) this.queue = chunks;
    else for (const c of chunks) this.queue.push(c);
    this.queuedBytes += bytes;
    this.queuedTotal += bytes;
    if (done) this.dones.push({ at: this.queuedTotal, done });
    if (!this.sending) this.sendNext();
  }

  private sendNext(): void {
    const chunks = this.queue;
    const taken = this.ring.send(this.fd, this.token, chunks, 0);
    const sending = taken === chunks.length ? chunks : chunks.slice(0, taken);
    this.queue = taken === chunks.length ? NO_CHUNKS : chunks.slice(taken);
    let bytes = 0;
    for (const c of sending) bytes += c.length;
    this.sending = sending;
    this.sendingBytes = bytes;
    this.queuedBytes -= bytes;
  }

  sent(res: number): void {
    const sending = this.sending!;
    this.sending = null;
    if (res < 0) {
      this.sendingBytes = 0;
      this.destroy(); // the client is gone (EPIPE, ECONNRESET) or we shut it down
      this.settle();
      return;
    }
    this.sentTotal += res;
    if (res < this.sendingBytes) this.queue = [...rest(sending, res), ...this.queue]; // short send: the rest first
    this.queuedBytes += this.sendingBytes - res;
    this.sendingBytes = 0;
    while (this.dones.length > 0 && this.dones[0]!.at <= this.sentTotal) this.dones.shift()!.done();
    if (this.queue.length > 0 && this.state !== 'closing') this.sendNext();
    else if (this.queue.length === 0) {
      if (this.state === 'open') this.events!.drain();
      else if (this.state === 'ending') this.beginClose();
    }
    this.settle();
  }

  get writableLength(): number {
    return this.queuedBytes + this.sendingBytes;
  }

  get destroyed(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  pause(): void {
    this.paused = true;
    this.disarm();
  }

  resume(): void {
    this.paused = false;
    this.arm();
  }

  quiesce(): Promise<void> {
    return new Promise((resolve) => {
      this.quiesced.push(resolve);
      this.settle();
    });
  }

  takeUnread(): Buffer[] {
    return [];
  }

  duplicate(): number {
    if (this.state === 'closed') return -1;
    try {
      return this.native.dup(this.fd);
    } catch {
      return -1;
    }
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    if (!this.sending && this.queue.length === 0) this.beginClose();
  }

  abandon(): void {
    this.shutdownOnClose = false;
    this.beginClose();
  }

  destroy(): void {
    this.beginClose();
  }

  /** No more writes; shut down (which ends a receive and a send in flight), then wait for them. */
  private beginClose(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.queue = NO_CHUNKS;
    this.queuedBytes = 0;
    if (this.shutdownOnClose) {
      try {
        this.native.shutdownFd(this.fd);
      } catch {
        // Not connected any more: nothing to shut down.
      }
    }
    this.disarm();
    this.settle();
  }

  /** Resolves waiters once nothing is in flight; closes the descriptor when closing. */
  private settle(): void {
    if (this.reading !== 'off' || this.sending) return;
    if (this.queue.length === 0 && this.quiesced.length > 0) for (const q of this.quiesced.splice(0)) q();
    if (this.state !== 'closing') return;
    this.state = 'closed';
    // The kernel is done with every buffer of ours: only now may the connection release them.
    this.native.closeFd(this.fd);
    this.ring.remove(this.token);
    this.events?.close();
  }
}

/** The chunks after the first `sent` bytes. */
function rest(chunks: Buffer[], sent: number): Buffer[] {
  let i = 0;
  while (sent >= chunks[i]!.length) sent -= chunks[i++]!.length;
  return [chunks[i]!.subarray(sent), ...chunks.slice(i + 1)];
}
