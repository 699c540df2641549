import type { Session } from './session.ts';
import type { StatName } from '../store/stats.ts';

/** Counters `stats reset` zeroes (memcached keeps gauges such as curr_items and bytes). */
const RESETTABLE = [
  'total_items', 'cmd_get', 'cmd_set', 'cmd_flush',
  'cmd_touch', 'cmd_meta', 'get_hits', 'get_misses', 'get_expired', 'get_flushed', 'delete_misses', 'delete_hits',
  'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits',
  'touch_misses', 'store_too_large', 'store_no_memory', 'total_connections', 'rejected_connections', 'bytes_read',
  'bytes_written',
] as const;

/** stats [settings|items|slabs|reset]. Anything else is ERROR, as in memcached. */
export function statsCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens === 2) return general(s);
  if (t.is(buf, 1, 'reset')) {
    for (const name of RESETTABLE) s.store.resetStat(name);
    s.store.resetItemStats();
    s.reply('RESET');
    return;
  }
  if (t.is(buf, 1, 'settings')) return settings(s);
  if (t.is(buf, 1, 'items')) return items(s);
  if (t.is(buf, 1, 'slabs')) return slabs(s);
  s.error('ERROR');
}

function emit(s: Session, lines: [string, string | number | bigint][]): void {
  for (const [k, v] of lines) s.out.line(`STAT ${k} ${v}`);
  s.out.line('END');
}

function general(s: Session): void {
  const st = s.store;
  const now = st.now();
  const usage = process.resourceUsage();
  const v = (name: StatName) => st.stat(name);
  const secs = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  emit(s, [
    ['pid', process.pid],
    ['uptime', now - s.info.startedAt],
    ['time', now],
    ['version', s.info.version],
    ['pointer_size', 64],
    ['rusage_user', secs(usage.userCPUTime)],
    ['rusage_system', secs(usage.systemCPUTime)],
    ['max_connections', s.info.maxConnections],
    ['curr_connections', v('curr_connections')],
    ['total_connections', v('total_connections')],
    ['rejected_connections', v('rejected_connections')],
    ['cmd_get', v('cmd_get')],
    ['cmd_set', v('cmd_set')],
    ['cmd_flush', v('cmd_flush')],
    ['cmd_touch', v('cmd_touch')],
    ['cmd_meta', v('cmd_meta')],
    ['get_hits', v('get_hits')],
    ['get_misses', v('get_misses')],
    ['get_expired', v('get_expired')],
    ['get_flushed', v('get_flushed')],
    ['delete_misses', v('delete_misses')],
    ['delete_hits', v('delete_hits')],
    ['incr_misses', v('incr_misses')],
    ['incr_hits', v('incr_hits')],
    ['decr_misses', v('decr_misses')],
    ['decr_hits', v('decr_hits')],
    ['cas_misses', v('cas_misses')],
    ['cas_hits', v('cas_hits')],
    ['cas_badval', v('cas_badval')],
    ['touch_hits', v('touch_hits')],
    ['touch_misses', v('touch_misses')],
    ['store_too_large', v('store_too_large')],
    ['store_no_memory', v('store_no_memory')],
    ['bytes_read', v('bytes_read')],
    ['bytes_written', v('bytes_written')],
    ['limit_maxbytes', s.info.memoryLimitMiB * 1024 * 1024],
    ['threads', s.info.threads],
    ['bytes', v('bytes')],
    ['curr_items', v('curr_items')],
    ['total_items', v('total_items')],
    ['expired_unfetched', v('expired_unfetched')],
    ['evicted_unfetched', v('evicted_unfetched')],
    ['evictions', v('evictions')],
    ['reclaimed', v('reclaimed')],
  ]);
}

function settings(s: Session): void {
  const i = s.info;
  emit(s, [
    ['maxbytes', i.memoryLimitMiB * 1024 * 1024],
    ['maxconns', i.maxConnections],
    ['tcpport', i.port],
    ['udpport', 0],
    ['inter', i.listen],
    ['verbosity', s.store.verbosity()],
    ['evictions', 'on'],
    ['growth_factor', '1.25'],
    ['chunk_size', s.store.chunkSizes[0]! - 48],
    ['num_threads', i.threads],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', 1024],
    ['binding_protocol', 'ascii'],
    ['item_size_max', i.itemSizeMax],
    ['slab_page_size', s.store.pageSize],
    ['batch_bound', i.batchBound],
  ]);
}

/** Per class item counters after number and age, in memcached's order (its LRU maintainer off: see ADR 0014). */
const ITEM_FIELDS = [
  'mem_requested', 'evicted', 'evicted_nonzero', 'evicted_time', 'outofmemory', 'tailrepairs', 'reclaimed',
  'expired_unfetched', 'evicted_unfetched', 'crawler_reclaimed', 'crawler_items_checked', 'lrutail_reflocked',
] as const;

function items(s: Session): void {
  const now = s.store.now();
  const lines: [string, string | number][] = [];
  for (const c of s.store.classInfo()) {
    if (c.items === 0) continue;
    const p = `items:${c.cls}:`;
    lines.push([`${p}number`, c.items], [`${p}age`, c.oldestAtime ? now - c.oldestAtime : 0]);
    for (const f of ITEM_FIELDS) lines.push([p + f, c.counters[f]]);
  }
  emit(s, lines);
}

function slabs(s: Session): void {
  const lines: [string, string | number][] = [];
  let total = 0;
  const info = s.store.classInfo();
  for (const c of info) {
    const perPage = Math.floor(s.store.pageSize / c.chunkSize);
    total += c.pages * s.store.pageSize;
    lines.push(
      [`${c.cls}:chunk_size`, c.chunkSize], [`${c.cls}:chunks_per_page`, perPage], [`${c.cls}:total_pages`, c.pages],
      [`${c.cls}:total_chunks`, c.pages * perPage], [`${c.cls}:used_chunks`, c.used], [`${c.cls}:free_chunks`, c.free],
    );
  }
  lines.push(['active_slabs', info.length], ['total_malloced', total]);
  emit(s, lines);
}
