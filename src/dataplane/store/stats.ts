// Counters shared by every thread: one BigInt64 slot each in a SharedArrayBuffer, updated with
// Atomics so no increment is lost. The names are memcached's `stats` names.

export const STAT_NAMES = [
  'curr_items', 'total_items', 'bytes', 'evictions', 'reclaimed', 'expired_unfetched', 'evicted_unfetched',
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'cmd_meta',
  'get_hits', 'get_misses', 'get_expired', 'get_flushed',
  'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits',
  'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits', 'touch_misses',
  'store_too_large', 'store_no_memory',
  'curr_connections', 'total_connections', 'rejected_connections', 'bytes_read', 'bytes_written',
  'total_pages', 'cas_counter', 'oldest_cas',
] as const;

export type StatName = (typeof STAT_NAMES)[number];

export const S = Object.fromEntries(STAT_NAMES.map((n, i) => [n, i])) as { readonly [K in StatName]: number };

export function createStatsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(STAT_NAMES.length * 8);
}
