// What happens to items per slab class, by the names of memcached's `stats items` (itemstats):
// counted under the store's global lock, where the allocator and the LRU already are, with plain
// adds into one shared Float64Array (no thread slots needed: the lock orders the writers).
// `stats` shows the sums over all classes under the same names, as memcached does.

export const CLASS_STAT_NAMES = [
  'evicted', 'evicted_nonzero', 'evicted_time', 'outofmemory', 'tailrepairs', 'reclaimed', 'expired_unfetched',
  'evicted_unfetched', 'crawler_reclaimed', 'crawler_items_checked', 'lrutail_reflocked', 'mem_requested',
] as const;

export type ClassStatName = (typeof CLASS_STAT_NAMES)[number];

export const CS = Object.fromEntries(CLASS_STAT_NAMES.map((n, i) => [n, i])) as { readonly [K in ClassStatName]: number };

/** Float64s per class: the counters rounded up to whole cache lines. */
export const CLASS_STAT_STRIDE = Math.ceil(CLASS_STAT_NAMES.length / 8) * 8;

/** Gauges `stats reset` leaves alone (evicted_time is the age of the last eviction, reset too, as memcached does). */
export const CLASS_GAUGES: readonly ClassStatName[] = ['mem_requested'];

export function createClassStatsBuffer(classes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(classes * CLASS_STAT_STRIDE * 8);
}

/** The global `stats` names that are sums of class counters (memcached's evictions is the sum of evicted). */
export const ITEM_TOTALS = {
  evictions: CS.evicted,
  reclaimed: CS.reclaimed,
  expired_unfetched: CS.expired_unfetched,
  evicted_unfetched: CS.evicted_unfetched,
  crawler_reclaimed: CS.crawler_reclaimed,
  crawler_items_checked: CS.crawler_items_checked,
  lrutail_reflocked: CS.lrutail_reflocked,
} as const;

export type ItemTotalName = keyof typeof ITEM_TOTALS;
