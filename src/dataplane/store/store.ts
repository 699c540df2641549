import {
  ATIME, CAS_SLOT, CLASS_MASK, CLASS_SHIFT, CLS_CHUNK, CLS_FREE_COUNT, CLS_FREE_HEAD, CLS_ITEMS, CLS_LRU_HEAD,
  CLS_LRU_TAIL, CLS_PAGES, CLS_STRIDE, CLS_USED, CTL_GLOBAL_LOCK, CTL_NEXT_PAGE, CTL_OLDEST_LIVE,
  CTL_STRIPES_BASE, CTL_VERBOSITY, CTL_ADMIN_SETTINGS, EXPTIME, FLAGS, H_NEXT, HASH, IF_ACTIVE, IF_FETCHED, IF_LINKED, IF_STALE, IF_WIN_SENT, ITEM_HEADER_BYTES, LRU_NEXT,
  LRU_PREV, META, NKEY_MASK, NONE, REFS, VLEN,
} from './layout.ts';
import { lock, tryLock, unlock } from './lock.ts';
import { hashKey } from './hash.ts';
import { classFor, slabChunkSizes } from './slab-classes.ts';
import { S, STAT_SLOTS, STAT_STRIDE, createStatsBuffer, createThreadStatsBuffers } from './stats.ts';
import type { StatName } from './stats.ts';
import { CLASS_GAUGES, CLASS_STAT_NAMES, CLASS_STAT_STRIDE, CS, ITEM_TOTALS, createClassStatsBuffer } from './class-stats.ts';
import type { ClassStatName } from './class-stats.ts';
import { CH, ClassHits, createClassHitBuffers } from './class-hits.ts';
import type { ClassHitBuffers, ClassHitName } from './class-hits.ts';
import { PrefixStats, createPrefixStatsBuffers } from './prefix-stats.ts';
import type { PrefixStatsBuffers } from './prefix-stats.ts';
import { createCrawlerBuffer } from './crawler-control.ts';
import { ItemSizes, createItemSizesBuffer } from './item-sizes.ts';
import { absoluteExptime, unixNow } from './expiry.ts';
import { parseU64 } from '../numbers.ts';

export interface StoreOptions {
  /** Memory for items in MiB, like memcached's -m. */
  memoryLimitMiB: number;
  /** Largest item (header + key + value) in bytes, like memcached's -I. */
  itemSizeMax: number;
  /** Item locks; a power of two. */
  lockStripes?: number;
  /** Ends the key prefix `stats detail` counts by, like memcached's -D. */
  prefixDelimiter?: string;
}

/** Everything a thread needs to attach to the same store: plain SharedArrayBuffers, passable to workers. */
export interface SharedStore {
  options: Required<StoreOptions>;
  control: SharedArrayBuffer;
  classes: SharedArrayBuffer;
  index: SharedArrayBuffer;
  memory: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  /** Per slab class item counters (class-stats.ts), written under the global lock. */
  classStats: SharedArrayBuffer;
  threadStats: ReturnType<typeof createThreadStatsBuffers>;
  /** Per slab class request counters per thread (class-hits.ts). */
  classHits: ClassHitBuffers;
  /** Per key prefix counts of `stats detail` (prefix-stats.ts). */
  prefixStats: PrefixStatsBuffers;
  /** Requests to the LRU crawler and its state, shared with the thread that crawls (lru-crawler.ts). */
  crawler: SharedArrayBuffer;
  /** The item size histogram of `stats sizes` (item-sizes.ts), written under the global lock. */
  itemSizes: SharedArrayBuffer;
  startedAt: number;
}

// Results of storage commands.
export const STORED = 0;
export const NOT_STORED = 1;
export const EXISTS = 2;
export const NOT_FOUND = 3;
export const TOO_LARGE = 4;
export const NO_MEMORY = 5;
export const NON_NUMERIC = 6;
export const DELTA_OK = 7;

/** Negative refs returned by alloc. */
export const ALLOC_TOO_LARGE = -2;
export const ALLOC_NO_MEMORY = -3;

/** One slab class that has memory, as `stats slabs` and `stats items` report it. */
export interface SlabClassInfo {
  /** memcached's class id: 1 for the smallest chunks. */
  cls: number;
  chunkSize: number;
  pages: number;
  /** Chunks holding an item (linked, or unlinked but still referenced by a response). */
  used: number;
  free: number;
  /** Items in the class's LRU. */
  items: number;
  /** Last access of the LRU tail, 0 when the class has no items. */
  oldestAtime: number;
  counters: Record<ClassStatName, number>;
  /** Requests per class (`stats slabs`): get_hits, cmd_set, … */
  requests: Record<ClassHitName, number>;
}

/** Settings of memcached's admin commands, in their `stats settings` names (0/1 for switches). */
export const ADMIN_SETTINGS = ['lru_crawler', 'detail_enabled', 'slab_automove', 'lru_crawler_sleep', 'lru_crawler_tocrawl'] as const;
export type AdminSetting = (typeof ADMIN_SETTINGS)[number];
/** memcached's defaults. */
const ADMIN_DEFAULTS: Record<AdminSetting, number> = { lru_crawler: 1, detail_enabled: 0, slab_automove: 1, lru_crawler_sleep: 100, lru_crawler_tocrawl: 0 };

/**
 * What a command produced besides its result code, written by the store into an object the caller
 * owns and reuses (a connection's session holds one), so a request allocates nothing.
 */
export class CommandOutcome {
  /** CAS unique of the item stored, returned (gets, gats) or counted (incr/decr). */
  cas = 0n;
  /** New value of a successful incr/decr. */
  counter = 0n;
}

/** What one slice of a crawl through a class did, and where the next one goes on. */
export interface CrawlResult {
  checked: number;
  reclaimed: number;
  /** The class's LRU was walked to its head. */
  done: boolean;
}

/**
 * Where a crawl through a class's LRU (from the tail up) goes on, across slices: the next item
 * and its CAS unique, so that an item unlinked or reused meanwhile is not mistaken for it.
 */
export interface CrawlCursor {
  ref: number;
  cas: bigint;
}

/** Live items by seconds left to live (index 0-59), later ones (60) and ones that never expire (61). */
export const TTL_BUCKETS = 62;

export type StorageMode = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** What a storage command says besides its key and value. */
export interface StoreItemOptions {
  /** The client's flags. */
  flags: number;
  /** Client form: seconds from now, or a unix time past 30 days; 0 never expires. */
  exptime: number;
  /** Nonzero: compare-and-swap against this CAS unique, in any mode (memcached checks meta sets the same way). */
  cas?: bigint;
  /** What a meta set (ms) adds. */
  meta?: MetaStoreOptions;
  /** Receives the stored item's CAS unique (meta sets show it). */
  out?: CommandOutcome;
}

/** A plain set: no flags, no expiry. */
const PLAIN_STORE: StoreItemOptions = { flags: 0, exptime: 0 };

/** What meta sets (ms) add to the text storage commands. */
export interface MetaStoreOptions {
  /** I flag: a CAS older than the item's still stores, but marks the new value stale. */
  invalidate: boolean;
  /** E flag: the CAS unique the new item gets instead of a fresh one (0 = fresh). */
  newCas: bigint;
  /** N flag with append/prepend: store as a new item with this client exptime when missing. */
  vivifyExptime: number | null;
}

// Why findLive missed, for the get_expired / get_flushed counters.
export const MISS_ABSENT = 0;
export const MISS_EXPIRED = 1;
export const MISS_FLUSHED = 2;

const MiB = 1024 * 1024;
const U64_MASK = (1n << 64n) - 1n;
/** Candidates examined from an LRU tail per allocation before giving up (memcached looks at 5; second chances need more). */
const EVICTION_TRIES = 64;
/** Items looked at from an LRU tail for dead ones before each allocation (memcached's lru_pull_tail: 5). */
const RECLAIM_TRIES = 5;
const CRLF0 = 13;
const CRLF1 = 10;

export class Store {
  readonly shared: SharedStore;
  readonly mem: Buffer;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly ctl: Int32Array;
  readonly cls: Int32Array;
  readonly index: Int32Array;
  readonly stats: BigInt64Array;
  /** Per class item counters: class c's counter k at c * CLASS_STAT_STRIDE + k; global lock held to write. */
  private readonly classStats: Float64Array;
  /** This thread's counters (see stats.ts): plain adds, no atomics. */
  private readonly counts: Float64Array;
  private readonly allCounts: Float64Array;
  private readonly resetBase: Float64Array;
  private readonly slotOwners: Int32Array;
  private readonly slot: number;
  /** This thread's per class request counters, for `stats slabs`. */
  readonly classHits: ClassHits;
  /** This thread's view of the per prefix counts of `stats detail`. */
  readonly prefixStats: PrefixStats;
  /** The item size histogram of `stats sizes`. */
  readonly itemSizes: ItemSizes;
  readonly chunkSizes: number[];
  readonly pageSize: number;
  readonly totalPages: number;
  private readonly spares: number;
  readonly itemSizeMax: number;
  private readonly bucketMask: number;
  private readonly stripeMask: number;
  /** Clock in unix seconds; tests replace it to move time. */
  now: () => number = () => this.batchNow || unixNow();
  /**
   * The clock read once for a whole batch (see beginBatch): a clock read costs more than a cache
   * lookup, and memcached too reads a clock its timer updates rather than the time per request.
   */
  private batchNow = 0;
  /** Why the last findLive returned NONE, for get's get_expired / get_flushed counts. */
  private missReason = MISS_ABSENT;

  static create(opts: StoreOptions): Store {
    const options: Required<StoreOptions> = { lockStripes: 1024, prefixDelimiter: ':', ...opts };
    const pageSize = pageSizeFor(options.itemSizeMax);
    const totalPages = Math.max(1, Math.floor((options.memoryLimitMiB * MiB) / pageSize));
    const sizes = slabChunkSizes(pageSize);
    // One bucket per 64 bytes of memory at most, at least the stripe count, a power of two.
    let buckets = options.lockStripes;
    while (buckets < (totalPages * pageSize) / 64 && buckets < 1 << 26) buckets *= 2;
    const shared: SharedStore = {
      options,
      control: new SharedArrayBuffer((CTL_STRIPES_BASE + options.lockStripes) * 4),
      classes: new SharedArrayBuffer(sizes.length * CLS_STRIDE * 4),
      index: new SharedArrayBuffer(buckets * 4),
      // Spare pages beyond the limit: like memcached, a class that has no page yet gets one, so a
      // full cache of small items can still take a large one. Untouched pages of a
      // SharedArrayBuffer cost address space, not memory; see sparePages for the bound.
      memory: new SharedArrayBuffer((totalPages + sparePages(sizes.length, pageSize)) * pageSize),
      stats: createStatsBuffer(),
      classStats: createClassStatsBuffer(sizes.length),
      threadStats: createThreadStatsBuffers(),
      classHits: createClassHitBuffers(sizes.length),
      prefixStats: createPrefixStatsBuffers(options.prefixDelimiter),
      crawler: createCrawlerBuffer(sizes.length),
      itemSizes: createItemSizesBuffer(options.itemSizeMax),
      startedAt: unixNow(),
    };
    new Int32Array(shared.index).fill(NONE);
    const ctl = new Int32Array(shared.control);
    ADMIN_SETTINGS.forEach((name, i) => (ctl[CTL_ADMIN_SETTINGS + i] = ADMIN_DEFAULTS[name]));
    const cls = new Int32Array(shared.classes);
    sizes.forEach((size, c) => {
      const b = c * CLS_STRIDE;
      cls[b + CLS_CHUNK] = size;
      cls[b + CLS_FREE_HEAD] = NONE;
      cls[b + CLS_LRU_HEAD] = NONE;
      cls[b + CLS_LRU_TAIL] = NONE;
    });
    return new Store(shared);
  }

  static attach(shared: SharedStore): Store {
    return new Store(shared);
  }

  private constructor(shared: SharedStore) {
    const { options } = shared;
    if ((options.lockStripes & (options.lockStripes - 1)) !== 0) throw new Error('lockStripes must be a power of two');
    this.shared = shared;
    this.mem = Buffer.from(shared.memory);
    this.i32 = new Int32Array(shared.memory);
    this.i64 = new BigInt64Array(shared.memory);
    this.ctl = new Int32Array(shared.control);
    this.cls = new Int32Array(shared.classes);
    this.index = new Int32Array(shared.index);
    this.stats = new BigInt64Array(shared.stats);
    this.classStats = new Float64Array(shared.classStats);
    this.slotOwners = new Int32Array(shared.threadStats.owners);
    this.allCounts = new Float64Array(shared.threadStats.counts);
    this.resetBase = new Float64Array(shared.threadStats.resetBase);
    let slot = 0;
    while (slot < STAT_SLOTS && Atomics.compareExchange(this.slotOwners, slot, 0, 1) !== 0) slot++;
    if (slot === STAT_SLOTS) throw new Error(`more than ${STAT_SLOTS} threads attached to one store`);
    this.slot = slot;
    this.counts = new Float64Array(shared.threadStats.counts, slot * STAT_STRIDE * 8, STAT_STRIDE);
    this.itemSizeMax = options.itemSizeMax;
    this.pageSize = pageSizeFor(options.itemSizeMax);
    this.chunkSizes = slabChunkSizes(this.pageSize);
    this.classHits = new ClassHits(shared.classHits, this.chunkSizes.length, slot);
    this.prefixStats = new PrefixStats(shared.prefixStats, slot);
    this.itemSizes = new ItemSizes(shared.itemSizes);
    this.spares = sparePages(this.chunkSizes.length, this.pageSize);
    this.totalPages = shared.memory.byteLength / this.pageSize - this.spares;
    this.bucketMask = this.index.length - 1;
    this.stripeMask = options.lockStripes - 1;
  }

  /** The requests handled until endBatch() see the time of this call (a batch runs in microseconds). */
  beginBatch(): void {
    this.batchNow = unixNow();
  }
  endBatch(): void {
    this.batchNow = 0;
  }

  // ---------------------------------------------------------------- item accessors

  nkey(ref: number): number {
    return this.i32[ref * 2 + META]! & NKEY_MASK;
  }
  flags(ref: number): number {
    return this.i32[ref * 2 + FLAGS]! >>> 0;
  }
  exptime(ref: number): number {
    return this.i32[ref * 2 + EXPTIME]!;
  }
  atime(ref: number): number {
    return this.i32[ref * 2 + ATIME]!;
  }
  valueLength(ref: number): number {
    return this.i32[ref * 2 + VLEN]!;
  }
  cas(ref: number): bigint {
    return BigInt.asUintN(64, this.i64[ref + CAS_SLOT]!);
  }
  keyOffset(ref: number): number {
    return ref * 8 + ITEM_HEADER_BYTES;
  }
  valueOffset(ref: number): number {
    return ref * 8 + ITEM_HEADER_BYTES + this.nkey(ref);
  }
  /** The value and its trailing \r\n as a view of shared memory: valid until the reference is released. */
  valueWithCrlf(ref: number): Buffer {
    return Buffer.from(this.shared.memory, this.valueOffset(ref), this.valueLength(ref) + 2);
  }
  totalSize(ref: number): number {
    return ITEM_HEADER_BYTES + this.nkey(ref) + this.valueLength(ref) + 2;
  }
  metaFlags(ref: number): number {
    return this.i32[ref * 2 + META]!;
  }
  /** Caller holds the item's stripe lock. */
  setMetaFlags(ref: number, set: number, clear: number): void {
    const i = ref * 2 + META;
    this.i32[i] = (this.i32[i]! | set) & ~clear;
  }
  /** Caller holds the item's stripe lock. */
  setExptime(ref: number, abs: number): void {
    this.i32[ref * 2 + EXPTIME] = abs;
  }
  setCas(ref: number, cas: bigint): void {
    this.i64[ref + CAS_SLOT] = BigInt.asIntN(64, cas);
  }

  // ---------------------------------------------------------------- locking and lookup

  hash(key: Uint8Array, ks: number, ke: number): number {
    return hashKey(key, ks, ke);
  }
  lockKey(hash: number): void {
    lock(this.ctl, CTL_STRIPES_BASE + (hash & this.stripeMask));
  }
  unlockKey(hash: number): void {
    unlock(this.ctl, CTL_STRIPES_BASE + (hash & this.stripeMask));
  }

  nextCas(): bigint {
    return BigInt.asUintN(64, Atomics.add(this.stats, S.cas_counter, 1n) + 1n);
  }

  /** Caller holds the stripe lock. The item for the key, or NONE; dead items met on the way are unlinked (lazy expiry). */
  findLive(hash: number, key: Uint8Array, ks: number, ke: number, now: number): number {
    const nk = ke - ks;
    let r = this.index[hash & this.bucketMask]!;
    while (r !== NONE) {
      const b = r * 2;
      if (this.i32[b + HASH] === hash && (this.i32[b + META]! & NKEY_MASK) === nk && this.keyEquals(r, key, ks, nk)) break;
      r = this.i32[b + H_NEXT]!;
    }
    if (r === NONE) {
      this.missReason = MISS_ABSENT;
      return NONE;
    }
    const dead = this.deadness(r, now);
    if (dead !== 0) {
      this.unlink(r);
      this.missReason = dead;
      return NONE;
    }
    return r;
  }

  private keyEquals(ref: number, key: Uint8Array, ks: number, nk: number): boolean {
    const mem = this.mem;
    const off = ref * 8 + ITEM_HEADER_BYTES;
    for (let i = 0; i < nk; i++) if (mem[off + i] !== key[ks + i]) return false;
    return true;
  }

  /** 0 alive, MISS_EXPIRED or MISS_FLUSHED. */
  deadness(ref: number, now: number): number {
    const b = ref * 2;
    const exp = this.i32[b + EXPTIME]!;
    if (exp !== 0 && exp <= now) return MISS_EXPIRED;
    const oldestLive = Atomics.load(this.ctl, CTL_OLDEST_LIVE);
    if (oldestLive !== 0 && oldestLive <= now) {
      if (this.i32[b + ATIME]! <= oldestLive) return MISS_FLUSHED;
      const oldestCas = Atomics.load(this.stats, S.oldest_cas);
      if (oldestCas !== 0n && this.i64[ref + CAS_SLOT]! < oldestCas) return MISS_FLUSHED;
    }
    return 0;
  }

  /** Caller holds the stripe lock of a linked item: adds a reference for a response. */
  retain(ref: number): void {
    Atomics.add(this.i32, ref * 2 + REFS, 1);
  }

  /** Drops a reference; the chunk returns to its free list when the last one goes. Any thread, no lock needed. */
  release(ref: number): void {
    if (Atomics.sub(this.i32, ref * 2 + REFS, 1) === 1) this.freeChunk(ref);
  }

  /** Counts a request of kind `k` (class-hits.ts CH) against the slab class of item `ref`. */
  countClassHit(ref: number, k: number): void {
    this.classHits.add((this.i32[ref * 2 + META]! >> CLASS_SHIFT) & CLASS_MASK, k);
  }

  /** Caller holds the stripe lock: records a fetch the way memcached's bump does (fetched, then active). */
  markFetched(ref: number, now: number): void {
    const i = ref * 2 + META;
    const m = this.i32[i]!;
    this.i32[i] = m & IF_FETCHED ? m | IF_ACTIVE : m | IF_FETCHED;
    this.i32[ref * 2 + ATIME] = now;
  }

  // ---------------------------------------------------------------- allocation

  /**
   * A chunk for an item of this key and value length, holding one reference (the caller's), not
   * yet linked; or ALLOC_TOO_LARGE / ALLOC_NO_MEMORY. The caller fills it with initItem.
   */
  alloc(nkey: number, vlen: number): number {
    const total = ITEM_HEADER_BYTES + nkey + vlen + 2;
    if (total > this.itemSizeMax || vlen < 0) return ALLOC_TOO_LARGE;
    const c = classFor(this.chunkSizes, total);
    lock(this.ctl, CTL_GLOBAL_LOCK);
    // Dead items at the tail go first, before a free chunk, a new page or an eviction, as in
    // memcached without its LRU maintainer (lru_pull_tail before slabs_alloc).
    this.reclaimTail(c);
    let ref = this.popFree(c);
    if (ref === NONE && this.carvePage(c)) ref = this.popFree(c);
    if (ref === NONE) ref = this.evictFrom(c);
    if (ref !== NONE) this.cls[c * CLS_STRIDE + CLS_USED]!++;
    else this.classStats[c * CLASS_STAT_STRIDE + CS.outofmemory]!++;
    unlock(this.ctl, CTL_GLOBAL_LOCK);
    if (ref === NONE) return ALLOC_NO_MEMORY;
    const b = ref * 2;
    this.i32[b + REFS] = 1;
    this.i32[b + META] = nkey | (c << CLASS_SHIFT);
    this.i32[b + VLEN] = vlen;
    this.i32[b + H_NEXT] = NONE;
    this.i32[b + LRU_PREV] = NONE;
    this.i32[b + LRU_NEXT] = NONE;
    return ref;
  }

  /** Writes the header and key of a fresh chunk and the value's trailing \r\n. */
  initItem(ref: number, key: Uint8Array, ks: number, ke: number, hash: number, flags: number, expAbs: number, now: number): void {
    const b = ref * 2;
    this.i32[b + HASH] = hash;
    this.i32[b + FLAGS] = flags | 0;
    this.i32[b + EXPTIME] = expAbs;
    this.i32[b + ATIME] = now;
    this.mem.set(key.subarray(ks, ke), ref * 8 + ITEM_HEADER_BYTES);
    const end = this.valueOffset(ref) + this.valueLength(ref);
    this.mem[end] = CRLF0;
    this.mem[end + 1] = CRLF1;
  }

  /** Global lock held. */
  private popFree(c: number): number {
    const b = c * CLS_STRIDE;
    const ref = this.cls[b + CLS_FREE_HEAD]!;
    if (ref !== NONE) {
      this.cls[b + CLS_FREE_HEAD] = this.i32[ref * 2 + H_NEXT]!;
      this.cls[b + CLS_FREE_COUNT]!--;
    }
    return ref;
  }

  /** Global lock held: gives the class a fresh page cut into chunks on its free list. */
  private carvePage(c: number): boolean {
    const page = this.ctl[CTL_NEXT_PAGE]!;
    const b = c * CLS_STRIDE;
    const firstOfClass = this.cls[b + CLS_PAGES] === 0;
    if (page >= this.totalPages && !(firstOfClass && page < this.totalPages + this.spares)) return false;
    this.ctl[CTL_NEXT_PAGE] = page + 1;
    const size = this.cls[b + CLS_CHUNK]!;
    const n = Math.floor(this.pageSize / size);
    const base = page * this.pageSize;
    // Pushed last-to-first so chunks are handed out in address order.
    for (let k = n - 1; k >= 0; k--) {
      const ref = (base + k * size) / 8;
      this.i32[ref * 2 + META] = c << CLASS_SHIFT;
      this.i32[ref * 2 + H_NEXT] = this.cls[b + CLS_FREE_HEAD]!;
      this.cls[b + CLS_FREE_HEAD] = ref;
    }
    this.cls[b + CLS_FREE_COUNT]! += n;
    this.cls[b + CLS_PAGES]!++;
    Atomics.add(this.stats, S.total_pages, 1n);
    return true;
  }

  /**
   * Global lock held. Walks the class's LRU from the tail: dead items are reclaimed, recently
   * fetched ones get a second chance at the head, the first idle one is evicted. Items whose
   * stripe is busy or that have views outstanding (refs > 1) are skipped: their memory must not
   * be reused. The stripe is only try-locked because lock order is stripe, then global.
   */
  private evictFrom(c: number): number {
    const b = c * CLS_STRIDE;
    const cs = c * CLASS_STAT_STRIDE;
    const now = this.now();
    let r = this.cls[b + CLS_LRU_TAIL]!;
    for (let tries = 0; r !== NONE && tries < EVICTION_TRIES; tries++) {
      const prev = this.i32[r * 2 + LRU_PREV]!;
      const stripe = this.lockIdleTail(r, cs);
      if (stripe < 0) {
        r = prev;
        continue;
      }
      const meta = this.i32[r * 2 + META]!;
      const dead = this.deadness(r, now);
      if (dead === 0 && meta & IF_ACTIVE) {
        this.i32[r * 2 + META] = meta & ~IF_ACTIVE;
        this.lruRemove(r);
        this.lruPushHead(r);
        unlock(this.ctl, stripe);
        // At the head of the list, wrap around: the items just given a second chance are next.
        r = prev !== NONE ? prev : this.cls[b + CLS_LRU_TAIL]!;
        continue;
      }
      if (dead !== 0) this.countReclaimed(cs, meta);
      else {
        const st = this.classStats;
        st[cs + CS.evicted]!++;
        if (this.i32[r * 2 + EXPTIME] !== 0) st[cs + CS.evicted_nonzero]!++;
        if (!(meta & IF_FETCHED)) st[cs + CS.evicted_unfetched]!++;
        st[cs + CS.evicted_time] = now - this.i32[r * 2 + ATIME]!;
      }
      this.unlinkForReuse(r, meta);
      this.cls[b + CLS_USED]!--; // alloc counts it again
      unlock(this.ctl, stripe);
      return r;
    }
    return NONE;
  }

  /**
   * Global lock held. Frees the dead items at the class's LRU tail, up to the first live one
   * (looking at RECLAIM_TRIES at most): memory of expired and flushed items is reused before a
   * page is carved or a live item evicted.
   */
  private reclaimTail(c: number): void {
    const cs = c * CLASS_STAT_STRIDE;
    let r = this.cls[c * CLS_STRIDE + CLS_LRU_TAIL]!;
    if (r === NONE) return;
    const now = this.now();
    for (let tries = 0; r !== NONE && tries < RECLAIM_TRIES; tries++) {
      const prev = this.i32[r * 2 + LRU_PREV]!;
      // Read without the item's lock first: most tails are alive, and taking a lock costs more.
      if (this.deadness(r, now) === 0) return;
      const stripe = this.lockIdleTail(r, cs);
      if (stripe >= 0) {
        const meta = this.i32[r * 2 + META]!;
        if (this.deadness(r, now) === 0) {
          unlock(this.ctl, stripe);
          return;
        }
        this.countReclaimed(cs, meta);
        this.unlinkForReuse(r, meta);
        this.pushFree(r);
        unlock(this.ctl, stripe);
      }
      r = prev;
    }
  }

  /**
   * Global lock held: the stripe lock of an LRU item no response holds (try-locked, since the
   * lock order is stripe then global), or -1. An item with views outstanding counts as
   * lrutail_reflocked, as memcached counts a refcount-locked tail.
   */
  private lockIdleTail(r: number, cs: number): number {
    const stripe = CTL_STRIPES_BASE + (this.i32[r * 2 + HASH]! & this.stripeMask);
    if (!tryLock(this.ctl, stripe)) return -1;
    if (Atomics.load(this.i32, r * 2 + REFS) !== 1) {
      unlock(this.ctl, stripe);
      this.classStats[cs + CS.lrutail_reflocked]!++;
      return -1;
    }
    return stripe;
  }

  private countReclaimed(cs: number, meta: number): void {
    this.classStats[cs + CS.reclaimed]!++;
    if (!(meta & IF_FETCHED)) this.classStats[cs + CS.expired_unfetched]!++;
  }

  /** Global and stripe lock held, refs 1 (the table's): takes the item out of the table and the LRU for its chunk to be reused. */
  private unlinkForReuse(r: number, meta: number): void {
    this.hashRemove(r);
    this.i32[r * 2 + META] = meta & ~IF_LINKED;
    this.lruRemove(r);
    this.countUnlinked(r);
    this.i32[r * 2 + REFS] = 0;
  }

  private freeChunk(ref: number): void {
    lock(this.ctl, CTL_GLOBAL_LOCK);
    this.pushFree(ref);
    unlock(this.ctl, CTL_GLOBAL_LOCK);
  }

  /** Global lock held: a chunk no one references back on its class's free list. */
  private pushFree(ref: number): void {
    const c = (this.i32[ref * 2 + META]! >> CLASS_SHIFT) & CLASS_MASK;
    const b = c * CLS_STRIDE;
    this.i32[ref * 2 + META] = c << CLASS_SHIFT;
    this.i32[ref * 2 + H_NEXT] = this.cls[b + CLS_FREE_HEAD]!;
    this.cls[b + CLS_FREE_HEAD] = ref;
    this.cls[b + CLS_FREE_COUNT]!++;
    this.cls[b + CLS_USED]!--;
  }

  // ---------------------------------------------------------------- linking (stripe lock held)

  /**
   * Makes a filled item visible: hash chain, LRU head, a fresh CAS (or `cas` when given, for meta
   * E). Returns the item's CAS unique.
   */
  link(ref: number, cas = 0n): bigint {
    const b = ref * 2;
    const bucket = this.i32[b + HASH]! & this.bucketMask;
    this.i32[b + H_NEXT] = this.index[bucket]!;
    this.index[bucket] = ref;
    this.i32[b + META] = this.i32[b + META]! | IF_LINKED;
    Atomics.add(this.i32, b + REFS, 1);
    const id = cas !== 0n ? cas : this.nextCas();
    this.setCas(ref, id);
    lock(this.ctl, CTL_GLOBAL_LOCK);
    this.lruPushHead(ref);
    unlock(this.ctl, CTL_GLOBAL_LOCK);
    this.count(S.curr_items, 1);
    this.count(S.total_items, 1);
    this.count(S.bytes, this.totalSize(ref));
    return id;
  }

  /** Removes a linked item from the hash table and LRU and drops the table's reference. */
  unlink(ref: number): void {
    this.hashRemove(ref);
    this.i32[ref * 2 + META] = this.i32[ref * 2 + META]! & ~IF_LINKED;
    lock(this.ctl, CTL_GLOBAL_LOCK);
    this.lruRemove(ref);
    unlock(this.ctl, CTL_GLOBAL_LOCK);
    this.countUnlinked(ref);
    this.release(ref);
  }

  /** Unlinks `old` and links `ref` in its place; returns the new item's CAS unique. */
  replace(old: number, ref: number, cas = 0n): bigint {
    this.unlink(old);
    return this.link(ref, cas);
  }

  private countUnlinked(ref: number): void {
    this.count(S.curr_items, -1);
    this.count(S.bytes, -this.totalSize(ref));
  }

  private hashRemove(ref: number): void {
    const bucket = this.i32[ref * 2 + HASH]! & this.bucketMask;
    let r = this.index[bucket]!;
    if (r === ref) {
      this.index[bucket] = this.i32[ref * 2 + H_NEXT]!;
      return;
    }
    while (r !== NONE) {
      const next = this.i32[r * 2 + H_NEXT]!;
      if (next === ref) {
        this.i32[r * 2 + H_NEXT] = this.i32[ref * 2 + H_NEXT]!;
        return;
      }
      r = next;
    }
  }

  /** Global lock held. */
  private lruPushHead(ref: number): void {
    const b = ((this.i32[ref * 2 + META]! >> CLASS_SHIFT) & CLASS_MASK) * CLS_STRIDE;
    const head = this.cls[b + CLS_LRU_HEAD]!;
    this.i32[ref * 2 + LRU_PREV] = NONE;
    this.i32[ref * 2 + LRU_NEXT] = head;
    if (head !== NONE) this.i32[head * 2 + LRU_PREV] = ref;
    else this.cls[b + CLS_LRU_TAIL] = ref;
    this.cls[b + CLS_LRU_HEAD] = ref;
    this.cls[b + CLS_ITEMS]!++;
    this.classStats[(b / CLS_STRIDE) * CLASS_STAT_STRIDE + CS.mem_requested]! += this.totalSize(ref);
    if (this.itemSizes.enabled) this.itemSizes.count(this.totalSize(ref), this.cas(ref), 1);
  }

  /** Global lock held. */
  private lruRemove(ref: number): void {
    const b = ((this.i32[ref * 2 + META]! >> CLASS_SHIFT) & CLASS_MASK) * CLS_STRIDE;
    const prev = this.i32[ref * 2 + LRU_PREV]!;
    const next = this.i32[ref * 2 + LRU_NEXT]!;
    if (prev !== NONE) this.i32[prev * 2 + LRU_NEXT] = next;
    else this.cls[b + CLS_LRU_HEAD] = next;
    if (next !== NONE) this.i32[next * 2 + LRU_PREV] = prev;
    else this.cls[b + CLS_LRU_TAIL] = prev;
    this.cls[b + CLS_ITEMS]!--;
    this.classStats[(b / CLS_STRIDE) * CLASS_STAT_STRIDE + CS.mem_requested]! -= this.totalSize(ref);
    if (this.itemSizes.enabled) this.itemSizes.count(this.totalSize(ref), this.cas(ref), -1);
  }

  // ---------------------------------------------------------------- commands

  /**
   * get/gets/gat/gats for one key: the item with a reference the caller must release after the
   * response is written, or NONE. `touchExptime` (client form) is applied when not null. With
   * `out`, a hit's CAS unique goes to out.cas (gets, gats).
   */
  get(key: Uint8Array, ks: number, ke: number, touchExptime: number | null = null, out: CommandOutcome | null = null): number {
    const hash = hashKey(key, ks, ke);
    const now = this.now();
    this.lockKey(hash);
    const ref = this.findLive(hash, key, ks, ke, now);
    if (ref !== NONE) {
      this.retain(ref);
      this.markFetched(ref, now);
      if (touchExptime !== null) this.setExptime(ref, absoluteExptime(touchExptime, now));
      // Read under the lock: meta invalidation may give a referenced item a new CAS.
      if (out !== null) out.cas = this.cas(ref);
      this.countClassHit(ref, touchExptime !== null ? CH.touch_hits : CH.get_hits);
    }
    this.unlockKey(hash);
    if (touchExptime !== null) {
      this.count(S.cmd_touch, 1);
      this.count(ref !== NONE ? S.touch_hits : S.touch_misses, 1);
    } else {
      this.count(S.cmd_get, 1);
      this.count(ref !== NONE ? S.get_hits : S.get_misses, 1);
    }
    if (ref === NONE && this.missReason !== MISS_ABSENT) this.count(this.missReason === MISS_EXPIRED ? S.get_expired : S.get_flushed, 1);
    return ref;
  }

  /**
   * set/add/replace/append/prepend/cas of key[ks..ke] to data[ds..de], which is copied into store
   * memory; what else the command says is in `o` (StoreItemOptions). Returns STORED, NOT_STORED,
   * EXISTS, NOT_FOUND, TOO_LARGE or NO_MEMORY.
   */
  storeItem(mode: StorageMode, key: Uint8Array, ks: number, ke: number, data: Uint8Array, ds: number, de: number,
    o: StoreItemOptions = PLAIN_STORE): number {
    const { flags, exptime } = o;
    const casIn = o.cas ?? 0n;
    const meta = o.meta ?? null;
    const out = o.out ?? null;
    const hash = hashKey(key, ks, ke);
    const now = this.now();
    const nkey = ke - ks;
    this.count(S.cmd_set, 1);
    if (mode === 'append' || mode === 'prepend') {
      return this.storeConcat(mode === 'append', hash, key, ks, ke, data, ds, de, casIn, now, meta, out);
    }
    const ref = this.alloc(nkey, de - ds);
    if (ref < 0) {
      Atomics.add(this.stats, ref === ALLOC_TOO_LARGE ? S.store_too_large : S.store_no_memory, 1n);
      // A failed set must not leave the old value readable (memcached unlinks it too).
      if (mode === 'set') this.delete(key, ks, ke, false);
      return ref === ALLOC_TOO_LARGE ? TOO_LARGE : NO_MEMORY;
    }
    this.countClassHit(ref, CH.cmd_set);
    this.initItem(ref, key, ks, ke, hash, flags, absoluteExptime(exptime, now), now);
    this.mem.set(data.subarray(ds, de), this.valueOffset(ref));
    this.lockKey(hash);
    const old = this.findLive(hash, key, ks, ke, now);
    let result: number;
    if (mode === 'cas') {
      if (old === NONE) result = NOT_FOUND;
      else if (this.cas(old) === casIn) {
        result = STORED;
        this.countClassHit(old, CH.cas_hits);
      }
      else if (meta?.invalidate && casIn < this.cas(old)) {
        // An older writer's value is kept, but as stale: same TTL, and a recache token already
        // handed out stays handed out (memcached's meta invalidation).
        result = STORED;
        this.setExptime(ref, this.exptime(old));
        this.setMetaFlags(ref, IF_STALE | (this.metaFlags(old) & IF_WIN_SENT), 0);
      } else {
        result = EXISTS;
        this.countClassHit(old, CH.cas_badval);
      }
    } else if (mode === 'add') {
      result = old === NONE ? STORED : NOT_STORED;
      // memcached refreshes the existing item on a failed add.
      if (old !== NONE) this.markFetched(old, now);
    } else if (mode === 'replace') {
      result = old === NONE ? NOT_STORED : STORED;
    } else {
      result = STORED;
    }
    if (result === STORED) {
      const cas = meta?.newCas ?? 0n;
      const id = old !== NONE ? this.replace(old, ref, cas) : this.link(ref, cas);
      if (out !== null) out.cas = id;
    }
    this.unlockKey(hash);
    this.release(ref);
    if (mode === 'cas') {
      this.count(result === STORED ? S.cas_hits : result === EXISTS ? S.cas_badval : S.cas_misses, 1);
    }
    return result;
  }

  private storeConcat(append: boolean, hash: number, key: Uint8Array, ks: number, ke: number,
    data: Uint8Array, ds: number, de: number, casIn: bigint, now: number, meta: MetaStoreOptions | null,
    out: CommandOutcome | null): number {
    const dlen = de - ds;
    // The appended data alone must fit, as memcached allocates it before looking at the old item.
    if (ITEM_HEADER_BYTES + (ke - ks) + dlen + 2 > this.itemSizeMax) {
      Atomics.add(this.stats, S.store_too_large, 1n);
      return TOO_LARGE;
    }
    // memcached stores the data as an item before it looks at the old one: that item's class counts the set.
    this.classHits.add(classFor(this.chunkSizes, ITEM_HEADER_BYTES + (ke - ks) + dlen + 2), CH.cmd_set);
    this.lockKey(hash);
    try {
      const old = this.findLive(hash, key, ks, ke, now);
      if (old === NONE) {
        if (meta?.vivifyExptime == null) return NOT_STORED;
        // Meta append/prepend with N: a missing item is created from the data alone.
        const ref = this.alloc(ke - ks, dlen);
        if (ref < 0) return ref === ALLOC_TOO_LARGE ? TOO_LARGE : NO_MEMORY;
        this.initItem(ref, key, ks, ke, hash, 0, absoluteExptime(meta.vivifyExptime, now), now);
        this.mem.set(data.subarray(ds, de), this.valueOffset(ref));
        const id = this.link(ref, meta.newCas);
        if (out !== null) out.cas = id;
        this.release(ref);
        return STORED;
      }
      if (casIn !== 0n && casIn !== this.cas(old)) return EXISTS;
      const olen = this.valueLength(old);
      const ref = this.alloc(ke - ks, olen + dlen);
      // memcached answers NOT_STORED when the combined item cannot be allocated.
      if (ref < 0) return NOT_STORED;
      this.initItem(ref, key, ks, ke, hash, this.flags(old), this.exptime(old), now);
      const vo = this.valueOffset(ref);
      const oldValue = this.mem.subarray(this.valueOffset(old), this.valueOffset(old) + olen);
      if (append) {
        this.mem.set(oldValue, vo);
        this.mem.set(data.subarray(ds, de), vo + olen);
      } else {
        this.mem.set(data.subarray(ds, de), vo);
        this.mem.set(oldValue, vo + dlen);
      }
      const id = this.replace(old, ref, meta?.newCas ?? 0n);
      if (out !== null) out.cas = id;
      this.release(ref);
      return STORED;
    } finally {
      this.unlockKey(hash);
    }
  }

  /**
   * incr/decr: DELTA_OK with the new value in out.counter (and the item's CAS in out.cas),
   * NOT_FOUND, NON_NUMERIC or NO_MEMORY.
   * Decrement stops at 0, increment wraps at 2^64, like memcached. A value that still fits is
   * rewritten in place (padded with spaces, as memcached does) when no response holds a view of it;
   * otherwise a new item replaces it so views never see a change.
   */
  delta(key: Uint8Array, ks: number, ke: number, incr: boolean, by: bigint, out: CommandOutcome, casIn = 0n): number {
    const hash = hashKey(key, ks, ke);
    const now = this.now();
    this.lockKey(hash);
    let result: number;
    try {
      result = this.deltaLocked(hash, key, ks, ke, incr, by, casIn, now, out);
    } finally {
      this.unlockKey(hash);
    }
    if (result === DELTA_OK || result === NOT_FOUND) {
      const hit = result === DELTA_OK;
      this.count(incr ? (hit ? S.incr_hits : S.incr_misses) : (hit ? S.decr_hits : S.decr_misses), 1);
    }
    return result;
  }

  /** Stripe lock held. Exposed for meta arithmetic, which creates missing items under the same lock. */
  deltaLocked(hash: number, key: Uint8Array, ks: number, ke: number, incr: boolean, by: bigint, casIn: bigint, now: number,
    out: CommandOutcome): number {
    const ref = this.findLive(hash, key, ks, ke, now);
    if (ref === NONE) return NOT_FOUND;
    if (casIn !== 0n && casIn !== this.cas(ref)) return EXISTS;
    const vlen = this.valueLength(ref);
    if (vlen === 0) return NON_NUMERIC;
    const vo = this.valueOffset(ref);
    const current = parseU64(this.mem, vo, vo + vlen);
    if (current < 0n) return NON_NUMERIC;
    this.countClassHit(ref, incr ? CH.incr_hits : CH.decr_hits);
    const next = incr ? (current + by) & U64_MASK : by > current ? 0n : current - by;
    const digits = next.toString();
    out.counter = next;
    if (digits.length <= vlen && Atomics.load(this.i32, ref * 2 + REFS) === 1) {
      this.mem.write(digits, vo, 'latin1');
      this.mem.fill(32, vo + digits.length, vo + vlen);
      const id = this.nextCas();
      this.setCas(ref, id);
      out.cas = id;
      this.i32[ref * 2 + ATIME] = now; // an update, not a fetch: memcached leaves "fetched" alone
      return DELTA_OK;
    }
    const fresh = this.alloc(ke - ks, digits.length);
    if (fresh < 0) return NO_MEMORY;
    this.initItem(fresh, key, ks, ke, hash, this.flags(ref), this.exptime(ref), now);
    this.mem.write(digits, this.valueOffset(fresh), 'latin1');
    out.cas = this.replace(ref, fresh);
    this.release(fresh);
    return DELTA_OK;
  }

  touch(key: Uint8Array, ks: number, ke: number, exptime: number): boolean {
    const hash = hashKey(key, ks, ke);
    const now = this.now();
    this.lockKey(hash);
    const ref = this.findLive(hash, key, ks, ke, now);
    if (ref !== NONE) {
      this.setExptime(ref, absoluteExptime(exptime, now));
      this.markFetched(ref, now);
      this.countClassHit(ref, CH.touch_hits);
    }
    this.unlockKey(hash);
    this.count(S.cmd_touch, 1);
    this.count(ref !== NONE ? S.touch_hits : S.touch_misses, 1);
    return ref !== NONE;
  }

  delete(key: Uint8Array, ks: number, ke: number, count = true): boolean {
    const hash = hashKey(key, ks, ke);
    this.lockKey(hash);
    const ref = this.findLive(hash, key, ks, ke, this.now());
    if (ref !== NONE) {
      if (count) this.countClassHit(ref, CH.delete_hits);
      this.unlink(ref);
    }
    this.unlockKey(hash);
    if (count) this.count(ref !== NONE ? S.delete_hits : S.delete_misses, 1);
    return ref !== NONE;
  }

  /**
   * flush_all [delay]: items last stored or fetched before the flush time become invisible, like
   * memcached's oldest_live; an immediate flush also retires every CAS issued so far (oldest_cas),
   * which covers items stored earlier in the same second.
   */
  flush(delay: number): void {
    const now = this.now();
    const newOldest = delay > 0 ? absoluteExptime(delay, now) : now;
    const oldestLive = newOldest - 1;
    Atomics.store(this.ctl, CTL_OLDEST_LIVE, oldestLive);
    if (oldestLive <= now) Atomics.store(this.stats, S.oldest_cas, BigInt.asIntN(64, this.nextCas()));
    Atomics.add(this.stats, S.cmd_flush, 1n);
  }

  /**
   * Adds to a counter in this thread's slot. Only this thread writes it; other threads read it
   * without a lock (an aligned 8-byte load does not tear on the CPUs Node runs on), so a reading
   * may miss the adds of the last instant, as memcached's thread stats can.
   */
  count(i: number, n: number): void {
    this.counts[i]! += n;
  }

  /**
   * A counter: its shared part plus every thread's part, less what `stats reset` took away; or,
   * for the item counters memcached also keeps per class (evictions, reclaimed, …), their sum.
   */
  stat(name: StatName): bigint {
    if (name in ITEM_TOTALS) return BigInt(this.classStatSum(ITEM_TOTALS[name as keyof typeof ITEM_TOTALS]));
    const i = S[name as keyof typeof S];
    return Atomics.load(this.stats, i) + BigInt(this.threadSum(i) - this.resetBase[i]!);
  }

  private threadSum(i: number): number {
    let sum = 0;
    for (let s = 0; s < STAT_SLOTS; s++) sum += this.allCounts[s * STAT_STRIDE + i]!;
    return sum;
  }

  private classStatSum(k: number): number {
    let sum = 0;
    for (let c = 0; c < this.chunkSizes.length; c++) sum += this.classStats[c * CLASS_STAT_STRIDE + k]!;
    return sum;
  }

  /** `stats reset` of the per class item and request counters (mem_requested is a gauge and stays). */
  resetItemStats(): void {
    this.classHits.reset();
    lock(this.ctl, CTL_GLOBAL_LOCK);
    for (let c = 0; c < this.chunkSizes.length; c++) {
      for (let k = 0; k < CLASS_STAT_NAMES.length; k++) {
        if (!CLASS_GAUGES.includes(CLASS_STAT_NAMES[k]!)) this.classStats[c * CLASS_STAT_STRIDE + k] = 0;
      }
    }
    unlock(this.ctl, CTL_GLOBAL_LOCK);
  }

  /** `stats reset` for one counter: zero from now on, without writing other threads' slots. */
  resetStat(name: keyof typeof S): void {
    const i = S[name];
    Atomics.store(this.stats, i, 0n);
    this.resetBase[i] = this.threadSum(i);
  }

  /** Gives this attachment's counter slot up (a retiring thread): its counts stay in the sums. */
  detachStats(): void {
    Atomics.store(this.slotOwners, this.slot, 0);
  }

  /** Per slab class figures for `stats slabs` / `stats items`; read without locks (a snapshot). */
  classInfo(): SlabClassInfo[] {
    const out: SlabClassInfo[] = [];
    for (let c = 0; c < this.chunkSizes.length; c++) {
      const b = c * CLS_STRIDE;
      const pages = this.cls[b + CLS_PAGES]!;
      if (pages === 0) continue;
      const tail = this.cls[b + CLS_LRU_TAIL]!;
      out.push({
        cls: c + 1, chunkSize: this.cls[b + CLS_CHUNK]!, pages, used: this.cls[b + CLS_USED]!,
        free: this.cls[b + CLS_FREE_COUNT]!, items: this.cls[b + CLS_ITEMS]!,
        oldestAtime: tail === NONE ? 0 : this.i32[tail * 2 + ATIME]!,
        counters: this.classCounters(c),
        requests: this.classHits.read(c),
      });
    }
    return out;
  }

  /**
   * `stats sizes_enable`: the histogram counts the items stored from now on (memcached takes a CAS
   * unique for where it begins, so this does too).
   */
  enableItemSizes(): void {
    if (this.itemSizes.enabled) return;
    const casMin = this.nextCas();
    lock(this.ctl, CTL_GLOBAL_LOCK);
    this.itemSizes.enable(casMin);
    unlock(this.ctl, CTL_GLOBAL_LOCK);
  }

  /** An `lru_crawler crawl` or `metadump` began (memcached's lru_crawler_starts). */
  countCrawlerStart(): void {
    Atomics.add(this.stats, S.lru_crawler_starts, 1n);
  }

  /** Slab classes (memcached's ids run from 1 to this). */
  get classCount(): number {
    return this.chunkSizes.length;
  }

  /**
   * Calls `visit` for the linked items of a class (0-based), from the most recently linked or
   * (`oldestFirst`) from the LRU tail, under the global lock (keys and headers of linked items do
   * not change), until it returns false. For the dump commands: allocation waits meanwhile, as
   * memcached's dumps hold the LRU lock.
   */
  visitClass(c: number, oldestFirst: boolean, visit: (ref: number) => boolean): void {
    const b = c * CLS_STRIDE;
    const step = oldestFirst ? LRU_PREV : LRU_NEXT;
    lock(this.ctl, CTL_GLOBAL_LOCK);
    try {
      for (let r = this.cls[b + (oldestFirst ? CLS_LRU_TAIL : CLS_LRU_HEAD)]!; r !== NONE; r = this.i32[r * 2 + step]!) {
        if (!visit(r)) break;
      }
    } finally {
      unlock(this.ctl, CTL_GLOBAL_LOCK);
    }
  }

  /**
   * One slice of an LRU crawl (lru-crawler.ts owns the crawls): looks at up to `max` items of a
   * class (0-based) from `cursor` (NONE: the tail) towards the head, under the global lock, and
   * frees the dead ones no response holds, counted as memcached's crawler counts them:
   * crawler_items_checked, crawler_reclaimed (not reclaimed), and expired_unfetched for expired
   * items never fetched. Live items go into `ttl` (TTL_BUCKETS) by the time they have left. The
   * cursor is moved to the next item; one that is gone meanwhile sends the crawl back to the tail.
   */
  crawlSlice(c: number, cursor: CrawlCursor, max: number, ttl: Uint32Array | null = null): CrawlResult {
    const cs = c * CLASS_STAT_STRIDE;
    const now = this.now();
    let checked = 0;
    let reclaimed = 0;
    lock(this.ctl, CTL_GLOBAL_LOCK);
    let r = cursor.ref;
    const b = r * 2;
    const stillThere = r !== NONE && (this.i32[b + META]! & IF_LINKED) !== 0 && ((this.i32[b + META]! >> CLASS_SHIFT) & CLASS_MASK) === c && this.cas(r) === cursor.cas;
    if (!stillThere) r = this.cls[c * CLS_STRIDE + CLS_LRU_TAIL]!;
    while (r !== NONE && checked < max) {
      const prev = this.i32[r * 2 + LRU_PREV]!;
      checked++;
      const dead = this.deadness(r, now);
      if (dead === 0 && ttl !== null) {
        const exp = this.i32[r * 2 + EXPTIME]!;
        ttl[exp === 0 ? TTL_BUCKETS - 1 : Math.min(exp - now, TTL_BUCKETS - 2)]!++;
      }
      const stripe = CTL_STRIPES_BASE + (this.i32[r * 2 + HASH]! & this.stripeMask);
      if (dead !== 0 && tryLock(this.ctl, stripe)) {
        if (Atomics.load(this.i32, r * 2 + REFS) === 1) {
          const meta = this.i32[r * 2 + META]!;
          if (dead === MISS_EXPIRED && !(meta & IF_FETCHED)) this.classStats[cs + CS.expired_unfetched]!++;
          this.unlinkForReuse(r, meta);
          this.pushFree(r);
          reclaimed++;
        }
        unlock(this.ctl, stripe);
      }
      r = prev;
    }
    this.classStats[cs + CS.crawler_items_checked]! += checked;
    this.classStats[cs + CS.crawler_reclaimed]! += reclaimed;
    cursor.ref = r;
    cursor.cas = r === NONE ? 0n : this.cas(r);
    unlock(this.ctl, CTL_GLOBAL_LOCK);
    return { checked, reclaimed, done: r === NONE };
  }

  private classCounters(c: number): Record<ClassStatName, number> {
    const base = c * CLASS_STAT_STRIDE;
    return Object.fromEntries(CLASS_STAT_NAMES.map((n, k) => [n, this.classStats[base + k]!])) as Record<ClassStatName, number>;
  }

  verbosity(): number {
    return Atomics.load(this.ctl, CTL_VERBOSITY);
  }

  setVerbosity(level: number): void {
    Atomics.store(this.ctl, CTL_VERBOSITY, level);
  }

  /** A setting the admin commands change at run time, as every thread sees it. */
  adminSetting(name: AdminSetting): number {
    return Atomics.load(this.ctl, CTL_ADMIN_SETTINGS + ADMIN_SETTINGS.indexOf(name));
  }

  /** Changes an admin setting and returns its value before. */
  setAdminSetting(name: AdminSetting, value: number): number {
    return Atomics.exchange(this.ctl, CTL_ADMIN_SETTINGS + ADMIN_SETTINGS.indexOf(name), value);
  }
}

/**
 * First pages a class may take beyond the limit: one per class with the default 1 MiB pages; with
 * pages made large by a large -I, at most 64 MiB worth, so the address space stays bounded.
 */
function sparePages(classes: number, pageSize: number): number {
  return Math.min(classes, Math.max(1, Math.floor((64 * MiB) / pageSize)));
}

function pageSizeFor(itemSizeMax: number): number {
  return Math.max(MiB, Math.ceil(itemSizeMax / 8) * 8);
}

