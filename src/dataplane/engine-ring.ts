// One io_uring ring per thread (native/ixring.c, ADR 0019): the connections of the thread register
// here for a token, and the ring's completions reach them in one call into JS per wake-up.
import type { Native, NativeRing } from './native.ts';

/** Completion kinds (native/ixring.c). */
const KIND_RECV = 1;
const KIND_SEND = 2;
const CQE_F_BUFFER = 1;
const CQE_F_MORE = 2;
const CQE_BUFFER_SHIFT = 16;
/** Tokens: 20 bits of slot (connections per thread), 11 of generation (a positive int32). */
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const GENERATION_MASK = 0x7ff;

/**
 * Provided buffers: a thread's reads land in these and are parsed in place. Idle connections hold
 * none (a buffer is taken when bytes arrive and given back when the dispatch ends), so their number
 * bounds one dispatch's reads, not the connections: past it, receives end and rearm (ENOBUFS).
 * They also bound what a flooding connection brings in past its input bound: a multishot receive
 * goes on taking buffers while bytes arrive, until the dispatch that pauses it (ADR 0019).
 */
export const RING_BUFFERS = 256;
export const RING_BUFFER_BYTES = 4 * 1024;
/** The most a connection's receive can bring in before a pause takes effect. */
export const RING_READ_AHEAD_BYTES = RING_BUFFERS * RING_BUFFER_BYTES;

export interface RingUser {
  /** A receive completion: bytes (res > 0, in `chunk`), end of input (0) or -errno; `more`: still armed. */
  received(res: number, chunk: Buffer | undefined, more: boolean): void;
  /** A send completion: bytes sent or -errno. */
  sent(res: number): void;
}

let threadRing: Ring | undefined;

export class Ring {
  /** By slot; a token is a slot and its generation, so that a late completion (a cancel's) of a
   * connection gone never reaches the next one in its slot. */
  private readonly users: (RingUser | undefined)[] = [];
  private readonly tokens: number[] = [];
  private readonly freeSlots: number[] = [];
  private live = 0;
  private readonly ring: NativeRing;
  private inDispatch = false;
  private submitQueued = false;

  /** This thread's ring, made on first use. */
  static forThread(native: Native): Ring {
    return (threadRing ??= new Ring(native));
  }

  private constructor(private readonly native: Native) {
    this.ring = native.ringCreate(this.onCompletions, RING_BUFFERS, RING_BUFFER_BYTES);
  }

  /** Whether the chunk is a view of this ring's buffers (valid only during its completion). */
  owns(chunk: Buffer): boolean {
    return chunk.buffer === this.ring.buffers;
  }

  add(user: RingUser): number {
    const slot = this.freeSlots.pop() ?? this.users.length;
    const token = ((((this.tokens[slot] ?? 0) >>> SLOT_BITS) + 1) & GENERATION_MASK) << SLOT_BITS | slot;
    this.users[slot] = user;
    this.tokens[slot] = token;
    // While it serves connections the ring keeps the thread's event loop alive, as sockets do.
    if (this.live++ === 0) this.native.ringKeepAlive(this.ring.ring, true);
    return token;
  }

  /** After the token's last completion. */
  remove(token: number): void {
    const slot = token & SLOT_MASK;
    this.users[slot] = undefined;
    this.freeSlots.push(slot);
    if (--this.live === 0) this.native.ringKeepAlive(this.ring.ring, false);
  }

  recv(fd: number, token: number): void {
    this.native.ringRecv(this.ring.ring, fd, token);
    this.submitSoon();
  }

  cancelRecv(token: number): void {
    this.native.ringCancelRecv(this.ring.ring, token);
    this.submitSoon();
  }

  /** One sendmsg of chunks[from..] (as many as fit one): returns how many chunks it took. */
  send(fd: number, token: number, chunks: Buffer[], from: number): number {
    const taken = this.native.ringSend(this.ring.ring, fd, token, chunks, from);
    this.submitSoon();
    return taken;
  }

  /**
   * A dispatch submits when its callback returns: everything queued while serving a batch of
   * completions goes in one io_uring_enter. What is queued outside one (a batch continued after the
   * bound, a migrated connection's first bytes) goes at the end of the current task.
   */
  private submitSoon(): void {
    if (this.inDispatch || this.submitQueued) return;
    this.submitQueued = true;
    queueMicrotask(this.submitNow);
  }

  private readonly submitNow = (): void => {
    this.submitQueued = false;
    this.native.ringSubmit(this.ring.ring);
  };

  /**
   * A wake-up's completions: `n` of them, then those that what they queued brings (a send that
   * completes at once does), fetched by ringNext, which submits it: one call from native code into
   * JS per wake-up, which at moderate loads is one per request.
   */
  private readonly onCompletions = (n: number): void => {
    this.inDispatch = true;
    try {
      while (n > 0) {
        this.serve(n);
        n = this.native.ringNext(this.ring.ring);
      }
    } finally {
      this.inDispatch = false;
    }
  };

  private serve(n: number): void {
    const c = this.ring.completions;
    const buffers = this.ring.buffers;
    for (let i = 0; i < n * 4; i += 4) {
      const token = c[i + 1]!;
      const slot = token & SLOT_MASK;
      if (this.tokens[slot] !== token) continue;
      const user = this.users[slot];
      if (!user) continue;
      const kind = c[i]!;
      const res = c[i + 2]!;
      const flags = c[i + 3]!;
      if (kind === KIND_RECV) {
        const chunk = res > 0 && flags & CQE_F_BUFFER ? Buffer.from(buffers, (flags >>> CQE_BUFFER_SHIFT) * RING_BUFFER_BYTES, res) : undefined;
        user.received(res, chunk, (flags & CQE_F_MORE) !== 0);
      } else if (kind === KIND_SEND) {
        user.sent(res);
      }
    }
  }
}
