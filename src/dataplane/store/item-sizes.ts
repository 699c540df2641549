// memcached's item size histogram (`stats sizes`, `stats sizes_enable|sizes_disable`): linked
// items by total size in 32-byte buckets, while enabled. Counted where items enter and leave an
// LRU, under the store's global lock, with plain adds into shared memory (no other lock needed).
// As in memcached, items stored before it was enabled are left out: only those whose CAS unique is
// at least the one taken when it was turned on are counted, in and out.

const W_ENABLED = 0;
const HEADER_WORDS = 4;
/** BigInt64 slot of the smallest CAS unique counted (memcached's stats_sizes_cas_min). */
const CAS_MIN = 1;
export const SIZE_BUCKET_BYTES = 32;

export function createItemSizesBuffer(itemSizeMax: number): SharedArrayBuffer {
  return new SharedArrayBuffer((HEADER_WORDS + Math.floor(itemSizeMax / SIZE_BUCKET_BYTES) + 1) * 4);
}

export class ItemSizes {
  private readonly words: Int32Array;
  private readonly i64: BigInt64Array;
  private readonly buckets: number;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.i64 = new BigInt64Array(buffer, 0, 2);
    this.buckets = this.words.length - HEADER_WORDS;
  }

  get enabled(): boolean {
    return Atomics.load(this.words, W_ENABLED) === 1;
  }

  /** Global lock held: counts the histogram from items with a CAS unique of `casMin` on, from zero. */
  enable(casMin: bigint): void {
    if (this.enabled) return;
    this.words.fill(0, HEADER_WORDS);
    Atomics.store(this.i64, CAS_MIN, BigInt.asIntN(64, casMin));
    Atomics.store(this.words, W_ENABLED, 1);
  }

  disable(): void {
    Atomics.store(this.words, W_ENABLED, 0);
  }

  /**
   * Global lock held, histogram enabled (the caller checks first, so that a disabled histogram
   * costs no CAS read): an item of `total` bytes and CAS `cas` entered (+1) or left (-1) an LRU.
   */
  count(total: number, cas: bigint, d: number): void {
    if (cas < this.i64[CAS_MIN]!) return;
    const bucket = Math.ceil(total / SIZE_BUCKET_BYTES);
    if (bucket < this.buckets) this.words[HEADER_WORDS + bucket]! += d;
  }

  /** [bucket size in bytes, items] for the buckets that hold any. */
  rows(): [number, number][] {
    const out: [number, number][] = [];
    for (let b = 0; b < this.buckets; b++) {
      const n = this.words[HEADER_WORDS + b]!;
      if (n !== 0) out.push([b * SIZE_BUCKET_BYTES, n]);
    }
    return out;
  }
}
