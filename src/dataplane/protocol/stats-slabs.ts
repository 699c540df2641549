// `stats items` and `stats slabs`: per slab class figures in memcached 1.6's names and order.
import type { Session } from './session.ts';
import { emitStats } from './stats-general.ts';
import { CLASS_HIT_NAMES } from '../store/class-hits.ts';

/** Per class item counters after number and age, in memcached's order (its LRU maintainer off: see ADR 0016). */
const ITEM_FIELDS = [
  'mem_requested', 'evicted', 'evicted_nonzero', 'evicted_time', 'outofmemory', 'tailrepairs', 'reclaimed',
  'expired_unfetched', 'evicted_unfetched', 'crawler_reclaimed', 'crawler_items_checked', 'lrutail_reflocked',
] as const;

export function itemsStats(s: Session): void {
  const now = s.store.now();
  const lines: [string, string | number][] = [];
  for (const c of s.store.classInfo()) {
    if (c.items === 0) continue;
    const p = `items:${c.cls}:`;
    lines.push([`${p}number`, c.items], [`${p}age`, c.oldestAtime ? now - c.oldestAtime : 0]);
    for (const f of ITEM_FIELDS) lines.push([p + f, c.counters[f]]);
  }
  emitStats(s, lines);
}

export function slabsStats(s: Session): void {
  const lines: [string, string | number][] = [];
  let total = 0;
  const info = s.store.classInfo();
  for (const c of info) {
    const perPage = Math.floor(s.store.pageSize / c.chunkSize);
    total += c.pages * s.store.pageSize;
    const p = `${c.cls}:`;
    lines.push(
      [`${p}chunk_size`, c.chunkSize], [`${p}chunks_per_page`, perPage], [`${p}total_pages`, c.pages],
      [`${p}total_chunks`, c.pages * perPage], [`${p}used_chunks`, c.used], [`${p}free_chunks`, c.free],
      // A page is cut into chunks when a class takes it, as in memcached 1.6: none wait at its end.
      [`${p}free_chunks_end`, 0],
    );
    for (const name of CLASS_HIT_NAMES) lines.push([p + name, c.requests[name]]);
  }
  lines.push(['active_slabs', info.length], ['total_malloced', total]);
  emitStats(s, lines);
}
