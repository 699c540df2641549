// The per slab class request counters of memcached's `stats slabs` (its slab_stats): counted on
// every hit, so, like the other request counters (stats.ts), in a slot per thread written with
// plain adds and summed when read; `stats reset` subtracts a base instead of writing other
// threads' slots. A class's eight counters fill one cache line.
import { STAT_SLOTS } from './stats.ts';

export const CLASS_HIT_NAMES = ['get_hits', 'cmd_set', 'delete_hits', 'incr_hits', 'decr_hits', 'cas_hits', 'cas_badval', 'touch_hits'] as const;
export type ClassHitName = (typeof CLASS_HIT_NAMES)[number];
export const CH = Object.fromEntries(CLASS_HIT_NAMES.map((n, i) => [n, i])) as { readonly [K in ClassHitName]: number };
const STRIDE = 8;

export interface ClassHitBuffers {
  counts: SharedArrayBuffer;
  resetBase: SharedArrayBuffer;
}

export function createClassHitBuffers(classes: number): ClassHitBuffers {
  return {
    counts: new SharedArrayBuffer(STAT_SLOTS * classes * STRIDE * 8),
    resetBase: new SharedArrayBuffer(classes * STRIDE * 8),
  };
}

/** One thread's view: it adds to its own slot (the Store's stats slot) and reads everyone's sums. */
export class ClassHits {
  private readonly mine: Float64Array;
  private readonly all: Float64Array;
  private readonly resetBase: Float64Array;

  constructor(buffers: ClassHitBuffers, private readonly classes: number, slot: number) {
    this.all = new Float64Array(buffers.counts);
    this.mine = new Float64Array(buffers.counts, slot * classes * STRIDE * 8, classes * STRIDE);
    this.resetBase = new Float64Array(buffers.resetBase);
  }

  /** Counts one event of kind k (CH) for class c (0-based). */
  add(c: number, k: number): void {
    this.mine[c * STRIDE + k]! += 1;
  }

  /** The counters of class c summed over all threads, since the last reset. */
  read(c: number): Record<ClassHitName, number> {
    const out = {} as Record<ClassHitName, number>;
    CLASS_HIT_NAMES.forEach((name, k) => (out[name] = this.sum(c * STRIDE + k) - this.resetBase[c * STRIDE + k]!));
    return out;
  }

  reset(): void {
    for (let i = 0; i < this.classes * STRIDE; i++) this.resetBase[i] = this.sum(i);
  }

  private sum(i: number): number {
    let total = 0;
    const perSlot = this.classes * STRIDE;
    for (let s = 0; s < STAT_SLOTS; s++) total += this.all[s * perSlot + i]!;
    return total;
  }
}
