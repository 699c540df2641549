import type { Session } from './session.ts';
import { parseFlags } from '../numbers.ts';
import { cachedumpLines } from './item-dumps.ts';
import { emitStats, generalStats, settingsStats } from './stats-general.ts';
import { itemsStats, slabsStats } from './stats-slabs.ts';
import { connsStats } from './stats-conns.ts';
import { detailCommand } from './stats-detail.ts';

/** Counters `stats reset` zeroes (memcached keeps gauges such as curr_items and bytes). */
const RESETTABLE = [
  'total_items', 'cmd_get', 'cmd_set', 'cmd_flush',
  'cmd_touch', 'cmd_meta', 'get_hits', 'get_misses', 'get_expired', 'get_flushed', 'delete_misses', 'delete_hits',
  'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits',
  'touch_misses', 'store_too_large', 'store_no_memory', 'total_connections', 'rejected_connections', 'bytes_read',
  'bytes_written',
] as const;

/**
 * stats [settings|items|slabs|sizes|sizes_enable|sizes_disable|conns|detail …|cachedump …|reset].
 * Anything else is ERROR, as in memcached.
 */
export function statsCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens === 2) return generalStats(s);
  if (t.is(buf, 1, 'reset')) {
    for (const name of RESETTABLE) s.store.resetStat(name);
    s.store.resetItemStats();
    s.store.prefixStats.reset();
    s.reply('RESET');
    return;
  }
  if (t.is(buf, 1, 'settings')) return settingsStats(s);
  if (t.is(buf, 1, 'items')) return itemsStats(s);
  if (t.is(buf, 1, 'slabs')) return slabsStats(s);
  if (t.is(buf, 1, 'detail')) return detailCommand(s, buf);
  if (t.is(buf, 1, 'cachedump')) return cachedump(s, buf);
  if (t.is(buf, 1, 'sizes')) return sizesStats(s);
  // memcached answers these with one line and no END.
  if (t.is(buf, 1, 'sizes_enable')) {
    s.store.enableItemSizes();
    s.out.line('STAT sizes_status enabled');
    return;
  }
  if (t.is(buf, 1, 'sizes_disable')) {
    s.store.itemSizes.disable();
    s.out.line('STAT sizes_status disabled');
    return;
  }
  if (t.is(buf, 1, 'conns')) return connsStats(s);
  // No extstore here: memcached's answer while it has no storage file.
  if (t.is(buf, 1, 'extstore')) return emitStats(s, []);
  s.error('ERROR');
}

/** `stats sizes`: items by total size in 32-byte buckets while the histogram is on (store/item-sizes.ts). */
function sizesStats(s: Session): void {
  const sizes = s.store.itemSizes;
  emitStats(s, sizes.enabled ? sizes.rows().map(([bytes, n]) => [String(bytes), n]) : [['sizes_status', 'disabled']]);
}

/** memcached's class ids stop below 64 (MAX_NUMBER_OF_SLAB_CLASSES). */
const CLASS_ID_LIMIT = 64;

/** stats cachedump <class> <limit>: the keys of a class, newest first (limit 0: all). */
function cachedump(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens < 5) {
    s.error('CLIENT_ERROR bad command line');
    return;
  }
  const id = parseFlags(buf, t.start[2]!, t.end[2]!);
  const limit = parseFlags(buf, t.start[3]!, t.end[3]!);
  if (id < 0 || limit < 0) {
    s.error('CLIENT_ERROR bad command line format');
    return;
  }
  if (id >= CLASS_ID_LIMIT) {
    s.error('CLIENT_ERROR Illegal slab id');
    return;
  }
  if (id >= 1 && id <= s.store.classCount) for (const line of cachedumpLines(s.store, id - 1, limit)) s.out.line(line);
  s.out.line('END');
}
