// The table `stats conns` reads: one slot per open connection (and one for the listener) in a
// SharedArrayBuffer every thread attaches to through ServerInfo, so a connection on any elastic
// thread can list the connections of all the others without asking them (a request answers
// synchronously, within its batch). Each slot is written only by the thread that serves its
// connection, two plain stores per batch (state, last command time) into a cache line of its own;
// readers may see a state one batch old, as memcached's unlocked walk over its conns may.
import type net from 'node:net';
import type { Peer } from './engine-transport.ts';

/** memcached's connection states (memcached.h), the ones a connection here can be in. */
export const CONN_STATES = ['conn_listening', 'conn_new_cmd', 'conn_read', 'conn_parse_cmd', 'conn_nread', 'conn_swallow', 'conn_closing', 'conn_mwrite'] as const;
export type ConnState = (typeof CONN_STATES)[number];
const STATE_CODE = Object.fromEntries(CONN_STATES.map((s, i) => [s, i + 1])) as Record<ConnState, number>;

const FREE = 0;
/** A slot being filled: not listed yet. */
const CLAIMED = -1;

// Int32 words of a slot; the two addresses follow as text ("tcp:127.0.0.1:11211"), ADDR_BYTES each.
const W_STATE = 0;
const W_FD = 1;
const W_LAST_CMD = 2;
const W_LENGTHS = 3; // addr length | listen_addr length << 8
const HEADER_BYTES = 16;
/** Long enough for "tcp6:[" + the longest IPv6 text (45) + "]:65535". */
const ADDR_BYTES = 64;
/** Three cache lines, so that no two connections' hot words share one. */
const SLOT_BYTES = 192;
const SLOT_WORDS = SLOT_BYTES / 4;

/** Slots beyond -c: the listener, and connections accepted only to be refused. */
const EXTRA_SLOTS = 64;

export function createConnectionTable(maxConnections: number): SharedArrayBuffer {
  return new SharedArrayBuffer((maxConnections + EXTRA_SLOTS) * SLOT_BYTES);
}

/** memcached's get_conn_text: tcp:ip:port, tcp6:[ip]:port. */
export function addressText(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return 'tcp:<unknown>';
  return address.includes(':') ? `tcp6:[${address}]:${port ?? 0}` : `tcp:${address}:${port ?? 0}`;
}

/** One connection's slot, written by the thread that serves it. A no-op without a table. */
export class ConnectionEntry {
  constructor(private readonly words: Int32Array | null, private readonly base: number) {}

  /** A plain store: readers may see it a moment late, which a state shown by `stats conns` can be. */
  set(state: ConnState): void {
    if (this.words !== null) this.words[this.base + W_STATE] = STATE_CODE[state];
  }

  /** A command was handled at `now` (unix seconds): memcached's last_cmd_time. */
  commandAt(now: number): void {
    if (this.words !== null) this.words[this.base + W_LAST_CMD] = now;
  }

  release(): void {
    if (this.words !== null) Atomics.store(this.words, this.base + W_STATE, FREE);
  }
}

const NO_ENTRY = new ConnectionEntry(null, 0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A listed connection, as `stats conns` shows it. */
export interface ConnRow {
  fd: number;
  addr: string;
  /** Absent for the listener, as in memcached. */
  listenAddr?: string;
  state: ConnState;
  lastCmd: number;
}

export class ConnectionRegistry {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly slots: number;
  /** Where this thread looks for a free slot next. */
  private hint = 0;

  constructor(table: SharedArrayBuffer) {
    this.words = new Int32Array(table);
    this.bytes = new Uint8Array(table);
    this.slots = table.byteLength / SLOT_BYTES;
  }

  /**
   * A slot for a connection with these addresses, in `state`, or an entry that records nothing
   * when the table is full (the connection is served all the same, only not listed).
   */
  add(fd: number, addr: string, listenAddr: string | undefined, state: ConnState, now: number): ConnectionEntry {
    for (let n = 0; n < this.slots; n++) {
      const slot = (this.hint + n) % this.slots;
      const base = slot * SLOT_WORDS;
      if (Atomics.compareExchange(this.words, base + W_STATE, FREE, CLAIMED) !== FREE) continue;
      this.hint = slot + 1;
      const a = encoder.encodeInto(addr, this.bytes.subarray(slot * SLOT_BYTES + HEADER_BYTES, slot * SLOT_BYTES + HEADER_BYTES + ADDR_BYTES)).written;
      const l = listenAddr === undefined ? 0 : encoder.encodeInto(listenAddr, this.bytes.subarray(slot * SLOT_BYTES + HEADER_BYTES + ADDR_BYTES, (slot + 1) * SLOT_BYTES)).written;
      this.words[base + W_FD] = fd;
      this.words[base + W_LAST_CMD] = now;
      this.words[base + W_LENGTHS] = a | (l << 8);
      // Publishes the slot: the stores above are visible before it.
      Atomics.store(this.words, base + W_STATE, STATE_CODE[state]);
      return new ConnectionEntry(this.words, base);
    }
    return NO_ENTRY;
  }

  /** A served connection's slot, from its descriptor and addresses: memcached lists it by descriptor. */
  addPeer(peer: Peer, now: number): ConnectionEntry {
    return this.add(peer.fd, addressText(peer.remoteAddress, peer.remotePort), addressText(peer.localAddress, peer.localPort), 'conn_new_cmd', now);
  }

  /** Every listed connection, by descriptor as memcached lists them. */
  list(): ConnRow[] {
    const rows: ConnRow[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const base = slot * SLOT_WORDS;
      const code = Atomics.load(this.words, base + W_STATE);
      if (code <= 0) continue;
      const lengths = this.words[base + W_LENGTHS]!;
      const at = slot * SLOT_BYTES + HEADER_BYTES;
      const text = (off: number, len: number) => decoder.decode(this.bytes.slice(at + off, at + off + len));
      const state = CONN_STATES[code - 1]!;
      rows.push({
        fd: this.words[base + W_FD]!, addr: text(0, lengths & 0xff), state, lastCmd: this.words[base + W_LAST_CMD]!,
        ...(state === 'conn_listening' ? {} : { listenAddr: text(ADDR_BYTES, lengths >>> 8) }),
      });
    }
    return rows.sort((x, y) => x.fd - y.fd);
  }
}

/** The registry of this thread for a table (one view per thread and table). */
const registries = new WeakMap<SharedArrayBuffer, ConnectionRegistry>();

export function registryFor(table: SharedArrayBuffer | undefined): ConnectionRegistry | undefined {
  if (table === undefined) return undefined;
  let r = registries.get(table);
  if (!r) registries.set(table, (r = new ConnectionRegistry(table)));
  return r;
}

/** Registers a served connection in the table, when the server keeps one. */
export function registerConnection(table: SharedArrayBuffer | undefined, peer: Peer, now: number): ConnectionEntry {
  return registryFor(table)?.addPeer(peer, now) ?? NO_ENTRY;
}

/** The descriptor of a socket or listener (libuv's handles expose it on Unix), or -1. */
export function socketFd(s: net.Socket | net.Server): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
