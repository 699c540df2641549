// The `stats` counters, by memcached's names. Each has two parts that stat() adds up:
// - a BigInt64 slot shared by every thread, updated with Atomics: for gauges and sequences that
//   decisions read (connections, the CAS counter) and for rare events;
// - per-thread Float64 slots (createThreadStatsBuffers) for what every request counts (gets, hits,
//   bytes): each thread writes only its own with a plain add, as memcached keeps per-thread stats.
//   A shared atomic add on every request made threads fight over the same cache lines: with two
//   threads a get cost 340 ns instead of 265.

import { ITEM_TOTALS } from './class-stats.ts';
import type { ItemTotalName } from './class-stats.ts';

/** Counters with slots of their own. */
export const SLOT_STAT_NAMES = [
  'curr_items', 'total_items', 'bytes',
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'cmd_meta',
  'get_hits', 'get_misses', 'get_expired', 'get_flushed',
  'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits',
  'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits', 'touch_misses',
  'store_too_large', 'store_no_memory',
  'curr_connections', 'total_connections', 'rejected_connections', 'bytes_read', 'bytes_written',
  'total_pages', 'cas_counter', 'oldest_cas', 'lru_crawler_starts',
] as const;

export type SlotStatName = (typeof SLOT_STAT_NAMES)[number];

/** Every counter Store.stat() reads: the slot ones and the sums of per-class item counters (class-stats.ts). */
export const STAT_NAMES = [...SLOT_STAT_NAMES, ...(Object.keys(ITEM_TOTALS) as ItemTotalName[])] as const;
export type StatName = SlotStatName | ItemTotalName;

export const S = Object.fromEntries(SLOT_STAT_NAMES.map((n, i) => [n, i])) as { readonly [K in SlotStatName]: number };

export function createStatsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOT_STAT_NAMES.length * 8);
}

/** Threads (and Store attachments) that can count at once; a retiring thread frees its slot. */
export const STAT_SLOTS = 256;
/** Float64s per thread: the counters rounded up to whole 64-byte cache lines, so no two threads share one. */
export const STAT_STRIDE = Math.ceil(SLOT_STAT_NAMES.length / 8) * 8;

/**
 * Per-thread counters, the owner table of their slots, and the values `stats reset` subtracts from
 * their sums (the resetting thread may not write other threads' slots).
 */
export function createThreadStatsBuffers(): { counts: SharedArrayBuffer; owners: SharedArrayBuffer; resetBase: SharedArrayBuffer } {
  return {
    counts: new SharedArrayBuffer(STAT_SLOTS * STAT_STRIDE * 8),
    owners: new SharedArrayBuffer(STAT_SLOTS * 4),
    resetBase: new SharedArrayBuffer(STAT_STRIDE * 8),
  };
}
