// memcached's per-prefix statistics (`stats detail on|off|dump`, stats_prefix.c): gets, hits, sets
// and deletes per key prefix, the part of a key before the first delimiter (-D, ':' by default).
// Counted on every thread: the prefixes are one shared dictionary (appended to under a lock the
// first time a prefix is seen, read without one), and each thread adds to its own row of counters
// (its Store stats slot) with plain adds, summed for a dump, like the other request counters.
// `stats reset` forgets the prefixes, as memcached frees them: a prefix counts again, as a new one,
// from its next use after the reset.
import { lock, unlock } from './lock.ts';
import { STAT_SLOTS } from './stats.ts';
import { murmur3 } from '../../lib/murmur3.ts';

/** Prefixes the dictionary holds; later new ones are not counted (memcached stops at 65,536). */
export const PREFIX_CAPACITY = 4096;
/** memcached keeps its prefixes in 256 buckets of its hash and dumps them bucket by bucket. */
const MEMCACHED_BUCKETS = 256;
const INDEX_SIZE = PREFIX_CAPACITY * 2;
const PREFIX_MAX = 250;

// Header words.
const H_LOCK = 0;
const H_COUNT = 1;
const H_EPOCH = 2;
const H_SEQ = 3;
const H_DELIMITER = 4;
const HEADER_WORDS = 8;
// Entry words, then the prefix bytes.
const E_LENGTH = 0;
const E_HASH = 1;
/** The reset epoch the entry was last used in: only entries of the current one are dumped. */
const E_EPOCH = 2;
/** When it was first used in that epoch: memcached lists the newest of a bucket first. */
const E_SEQ = 3;
const ENTRY_BYTES = 16 + 256;
const ENTRY_WORDS = ENTRY_BYTES / 4;

export const PREFIX_GET = 0;
export const PREFIX_HIT = 1;
export const PREFIX_SET = 2;
export const PREFIX_DEL = 3;
const COUNTERS = 4;

export interface PrefixStatsBuffers {
  table: SharedArrayBuffer;
  index: SharedArrayBuffer;
  counts: SharedArrayBuffer;
  resetBase: SharedArrayBuffer;
}

export function createPrefixStatsBuffers(delimiter = ':'): PrefixStatsBuffers {
  const table = new SharedArrayBuffer(HEADER_WORDS * 4 + PREFIX_CAPACITY * ENTRY_BYTES);
  new Int32Array(table)[H_DELIMITER] = delimiter.charCodeAt(0);
  return {
    table,
    index: new SharedArrayBuffer(INDEX_SIZE * 4),
    // Untouched rows of threads that never count cost address space, not memory.
    counts: new SharedArrayBuffer(STAT_SLOTS * PREFIX_CAPACITY * COUNTERS * 8),
    resetBase: new SharedArrayBuffer(PREFIX_CAPACITY * COUNTERS * 8),
  };
}

export interface PrefixRow {
  prefix: string;
  get: number;
  hit: number;
  set: number;
  del: number;
}

/** One thread's view of the prefix statistics. */
export class PrefixStats {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly index: Int32Array;
  private readonly all: Float64Array;
  private readonly mine: Float64Array;
  private readonly resetBase: Float64Array;

  constructor(buffers: PrefixStatsBuffers, slot: number) {
    this.words = new Int32Array(buffers.table);
    this.bytes = new Uint8Array(buffers.table);
    this.index = new Int32Array(buffers.index);
    this.all = new Float64Array(buffers.counts);
    this.mine = new Float64Array(buffers.counts, slot * PREFIX_CAPACITY * COUNTERS * 8, PREFIX_CAPACITY * COUNTERS);
    this.resetBase = new Float64Array(buffers.resetBase);
  }

  /** `stats settings` stat_key_prefix. */
  get delimiter(): string {
    return String.fromCharCode(this.words[H_DELIMITER]!);
  }

  /**
   * Counts a `kind` (PREFIX_GET …) for the key buf[ks..ke], and a hit with a get when `hit`. Keys
   * without the delimiter are not counted, as in memcached (which also stops at a NUL byte).
   */
  count(buf: Uint8Array, ks: number, ke: number, kind: number, hit = false): void {
    const delimiter = this.words[H_DELIMITER]!;
    let pe = ks;
    while (pe < ke && buf[pe] !== delimiter && buf[pe] !== 0) pe++;
    if (pe === ke || buf[pe] === 0) return;
    const id = this.find(buf, ks, pe);
    if (id < 0) return;
    const base = id * ENTRY_WORDS + HEADER_WORDS;
    const epoch = Atomics.load(this.words, H_EPOCH);
    if (Atomics.load(this.words, base + E_EPOCH) !== epoch) {
      this.words[base + E_SEQ] = Atomics.add(this.words, H_SEQ, 1);
      Atomics.store(this.words, base + E_EPOCH, epoch);
    }
    this.mine[id * COUNTERS + kind]! += 1;
    if (hit) this.mine[id * COUNTERS + PREFIX_HIT]! += 1;
  }

  /** The entry of a prefix, added when new; -1 when the dictionary is full. */
  private find(buf: Uint8Array, ps: number, pe: number): number {
    const hash = murmur3(buf, ps, pe);
    const id = this.lookup(buf, ps, pe, hash);
    if (id >= 0) return id;
    lock(this.words, H_LOCK);
    try {
      const again = this.lookup(buf, ps, pe, hash);
      if (again >= 0) return again;
      const n = this.words[H_COUNT]!;
      if (n >= PREFIX_CAPACITY) return -1;
      const base = n * ENTRY_WORDS + HEADER_WORDS;
      const len = Math.min(pe - ps, PREFIX_MAX);
      this.bytes.set(buf.subarray(ps, ps + len), base * 4 + 16);
      this.words[base + E_LENGTH] = len;
      this.words[base + E_HASH] = hash;
      this.words[base + E_EPOCH] = -1;
      this.words[H_COUNT] = n + 1;
      let i = hash % INDEX_SIZE;
      while (Atomics.load(this.index, i) !== 0) i = (i + 1) % INDEX_SIZE;
      Atomics.store(this.index, i, n + 1); // publishes the entry written above
      return n;
    } finally {
      unlock(this.words, H_LOCK);
    }
  }

  private lookup(buf: Uint8Array, ps: number, pe: number, hash: number): number {
    const len = pe - ps;
    for (let i = hash % INDEX_SIZE; ; i = (i + 1) % INDEX_SIZE) {
      const v = Atomics.load(this.index, i);
      if (v === 0) return -1;
      const base = (v - 1) * ENTRY_WORDS + HEADER_WORDS;
      if (this.words[base + E_HASH] !== (hash | 0) || this.words[base + E_LENGTH] !== len) continue;
      const at = base * 4 + 16;
      let same = true;
      for (let k = 0; k < len && same; k++) same = this.bytes[at + k] === buf[ps + k];
      if (same) return v - 1;
    }
  }

  /** The prefixes used since the last reset with their counts over all threads, in memcached's dump order. */
  dump(): PrefixRow[] {
    const epoch = Atomics.load(this.words, H_EPOCH);
    const rows: (PrefixRow & { bucket: number; seq: number })[] = [];
    const n = Atomics.load(this.words, H_COUNT);
    for (let id = 0; id < n; id++) {
      const base = id * ENTRY_WORDS + HEADER_WORDS;
      if (Atomics.load(this.words, base + E_EPOCH) !== epoch) continue;
      const at = base * 4 + 16;
      const c = (k: number) => this.sum(id * COUNTERS + k) - this.resetBase[id * COUNTERS + k]!;
      rows.push({
        prefix: Buffer.from(this.bytes.buffer, at, this.words[base + E_LENGTH]!).toString('latin1'),
        get: c(PREFIX_GET), hit: c(PREFIX_HIT), set: c(PREFIX_SET), del: c(PREFIX_DEL),
        bucket: (this.words[base + E_HASH]! >>> 0) % MEMCACHED_BUCKETS, seq: this.words[base + E_SEQ]!,
      });
    }
    rows.sort((a, b) => a.bucket - b.bucket || b.seq - a.seq);
    return rows.map(({ prefix, get, hit, set, del }) => ({ prefix, get, hit, set, del }));
  }

  /** `stats reset`: every prefix is forgotten until it is used again, its counts from zero. */
  reset(): void {
    lock(this.words, H_LOCK);
    const n = this.words[H_COUNT]!;
    for (let i = 0; i < n * COUNTERS; i++) this.resetBase[i] = this.sum(i);
    Atomics.add(this.words, H_EPOCH, 1);
    unlock(this.words, H_LOCK);
  }

  private sum(i: number): number {
    let total = 0;
    const perSlot = PREFIX_CAPACITY * COUNTERS;
    for (let s = 0; s < STAT_SLOTS; s++) total += this.all[s * perSlot + i]!;
    return total;
  }
}
