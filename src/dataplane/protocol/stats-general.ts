// `stats` and `stats settings`: memcached 1.6's fields in its order, those that have a meaning
// here (ADR 0016 lists the ones left out and why), with the values memcached shows when a feature
// is off (auth, watch logging, slab reassignment, the LRU maintainer).
import type { Session } from './session.ts';
import type { StatName } from '../store/stats.ts';
import { CTL_OLDEST_LIVE } from '../store/layout.ts';
import { crawlerControl } from '../store/crawler-control.ts';

export type StatLine = [string, string | number | bigint];

/** STAT lines and END. */
export function emitStats(s: Session, lines: StatLine[]): void {
  for (const [k, v] of lines) s.out.line(`STAT ${k} ${v}`);
  s.out.line('END');
}

export function generalStats(s: Session): void {
  const st = s.store;
  const now = st.now();
  const usage = process.resourceUsage();
  const v = (name: StatName) => st.stat(name);
  const secs = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  const counters = (names: StatName[]): StatLine[] => names.map((n) => [n, v(n)]);
  emitStats(s, [
    ['pid', process.pid],
    ['uptime', now - s.info.startedAt],
    ['time', now],
    ['version', s.info.version],
    ['pointer_size', 64],
    ['rusage_user', secs(usage.userCPUTime)],
    ['rusage_system', secs(usage.systemCPUTime)],
    ['max_connections', s.info.maxConnections],
    ...counters(['curr_connections', 'total_connections', 'rejected_connections',
      'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'cmd_meta', 'get_hits', 'get_misses', 'get_expired', 'get_flushed',
      'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits',
      'cas_badval', 'touch_hits', 'touch_misses', 'store_too_large', 'store_no_memory']),
    ['auth_cmds', 0],
    ['auth_errors', 0],
    ...counters(['bytes_read', 'bytes_written']),
    ['limit_maxbytes', s.info.memoryLimitMiB * 1024 * 1024],
    ['accepting_conns', 1],
    // Connections over the limit are refused one by one; listening never stops.
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['threads', s.info.threads],
    ['hash_power_level', Math.log2(st.index.length)],
    ['hash_bytes', st.index.byteLength],
    ['hash_is_expanding', 0],
    ['lru_crawler_running', crawlerControl(st.shared).busy ? 1 : 0],
    ...counters(['lru_crawler_starts']),
    ['malloc_fails', 0],
    ['log_worker_dropped', 0],
    ['log_worker_written', 0],
    ['log_watcher_skipped', 0],
    ['log_watcher_sent', 0],
    ['log_watchers', 0],
    ['unexpected_napi_ids', 0],
    ['round_robin_fallback', 0],
    ...counters(['bytes', 'curr_items', 'total_items']),
    ['slab_global_page_pool', 0],
    ...counters(['expired_unfetched', 'evicted_unfetched', 'evictions', 'reclaimed', 'crawler_reclaimed',
      'crawler_items_checked', 'lrutail_reflocked']),
  ]);
}

export function settingsStats(s: Session): void {
  const i = s.info;
  const st = s.store;
  const oldestLive = Atomics.load(st.ctl, CTL_OLDEST_LIVE);
  const yesNo = (on: boolean) => (on ? 'yes' : 'no');
  emitStats(s, [
    ['maxbytes', i.memoryLimitMiB * 1024 * 1024],
    ['maxconns', i.maxConnections],
    ['tcpport', i.port],
    ['udpport', 0],
    ['inter', i.listen],
    ['verbosity', st.verbosity()],
    // memcached shows flush_all's cut-off in seconds since it started.
    ['oldest', oldestLive === 0 ? 0 : Math.max(0, oldestLive - i.startedAt)],
    ['evictions', 'on'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['shutdown_command', 'no'],
    ['growth_factor', '1.25'],
    ['chunk_size', st.chunkSizes[0]! - 48],
    ['num_threads', i.threads],
    ['num_threads_per_udp', i.threads],
    ['stat_key_prefix', st.prefixStats.delimiter],
    ['detail_enabled', yesNo(st.adminSetting('detail_enabled') === 1)],
    // memcached's -R, requests handled per event before yielding: here the batch bound -B.
    ['reqs_per_event', i.batchBound],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', 1024],
    ['binding_protocol', 'ascii'],
    ['auth_enabled_sasl', 'no'],
    ['auth_enabled_ascii', 'no'],
    ['item_size_max', i.itemSizeMax],
    ['maxconns_fast', 'yes'],
    ['hashpower_init', Math.log2(st.index.length)],
    ['slab_reassign', 'no'],
    ['slab_automove', st.adminSetting('slab_automove')],
    ['slab_automove_ratio', '0.80'],
    ['slab_automove_window', 30],
    // Items are never chunked: the largest chunk is a page.
    ['slab_chunk_max', st.chunkSizes[st.chunkSizes.length - 1]!],
    ['lru_crawler', yesNo(st.adminSetting('lru_crawler') === 1)],
    ['lru_crawler_sleep', st.adminSetting('lru_crawler_sleep')],
    ['lru_crawler_tocrawl', st.adminSetting('lru_crawler_tocrawl')],
    ['tail_repair_time', 0],
    ['flush_enabled', 'yes'],
    ['dump_enabled', 'yes'],
    ['hash_algorithm', 'fnv1a_32'],
    ['lru_maintainer_thread', 'no'],
    ['lru_segmented', 'no'],
    ['hot_lru_pct', 20],
    ['warm_lru_pct', 40],
    ['hot_max_factor', '0.20'],
    ['warm_max_factor', '2.00'],
    ['temp_lru', 'no'],
    ['temporary_ttl', 61],
    ['idle_timeout', 0],
    ['track_sizes', 'no'],
    ['inline_ascii_response', 'no'],
    ['slab_automove_freeratio', '0.010'],
    // This server's own: the slab page size (memcached's is fixed at 1 MiB; here it follows -I).
    ['slab_page_size', st.pageSize],
  ]);
}
