// The admin commands of memcached 1.6 (`slabs`, `lru_crawler`, `lru`, `watch`, `cache_memlimit`),
// each answered as memcached answers it: with the same meaning where it fits this store, or as
// memcached does with that feature off (ADR 0016 says which is which). Same token checks, same
// lines, noreply where memcached honours it.
import type { Session } from './session.ts';
import { parseFlags } from '../numbers.ts';
import { setNoreplyMaybe } from './noreply.ts';
import { metadumpLines } from './item-dumps.ts';
import { crawlerControl } from '../store/crawler-control.ts';

/** memcached's class ids run from 1 below POWER_LARGEST (64); ids without memory are empty, not bad. */
const MAX_CLASS_ID = 63;

/** safe_strtod: the whole token a number. */
function parseDouble(s: Session, buf: Buffer, t: number): number {
  const text = buf.toString('latin1', s.tokens.start[t]!, s.tokens.end[t]!);
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
}

/** `slabs reassign|automove`: pages are as large as -I and never move between classes here. */
export function slabsCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  const n = t.ntokens;
  if (n === 5 && t.is(buf, 1, 'reassign')) {
    s.error('CLIENT_ERROR slab reassignment disabled');
    return;
  }
  if (n >= 4 && t.is(buf, 1, 'automove')) {
    setNoreplyMaybe(s, buf);
    if (t.is(buf, 2, 'ratio')) {
      s.reply(n < 5 || Number.isNaN(parseDouble(s, buf, 3)) ? 'ERROR' : 'OK');
      return;
    }
    const level = parseFlags(buf, t.start[2]!, t.end[2]!);
    if (level < 0) s.reply('CLIENT_ERROR bad command line format');
    else if (level > 2) s.reply('ERROR');
    else {
      // Kept and shown, as memcached keeps it with reassignment off; no page ever moves here.
      s.store.setAdminSetting('slab_automove', level);
      s.reply('OK');
    }
    return;
  }
  s.error('ERROR');
}

const CRAWLER_BUSY = 'BUSY currently processing crawler request';

/** Class ids of a crawl or metadump argument ("all", "hash" for metadump, or "1,5,12"), 0-based; null when bad. */
function classList(s: Session, buf: Buffer, t: number, allowHash: boolean): number[] | null {
  const text = buf.toString('latin1', s.tokens.start[t]!, s.tokens.end[t]!);
  const all = () => Array.from({ length: s.store.classCount }, (_, c) => c);
  if (text === 'all' || (allowHash && text === 'hash')) return all();
  const ids: number[] = [];
  for (const part of text.split(',')) {
    if (!/^\d+$/.test(part)) return null;
    const id = Number(part);
    if (id < 1 || id > MAX_CLASS_ID) return null;
    if (id <= s.store.classCount) ids.push(id - 1);
  }
  return ids;
}

/**
 * `lru_crawler crawl|metadump|tocrawl|sleep|enable|disable`. A crawl is handed to the LRU crawler
 * (store/lru-crawler.ts) and answered at once, as memcached's crawler thread is handed it; a
 * metadump is written by the command itself.
 */
export function lruCrawlerCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  const n = t.ntokens;
  const store = s.store;
  if (n === 4 && (t.is(buf, 1, 'crawl') || t.is(buf, 1, 'metadump'))) {
    const dump = t.is(buf, 1, 'metadump');
    if (store.adminSetting('lru_crawler') === 0) {
      s.error('CLIENT_ERROR lru crawler disabled');
      return;
    }
    // memcached hands the connection to its crawler thread, which it cannot do with replies queued.
    if (dump && !s.out.empty) {
      s.error('ERROR cannot pipeline other commands before metadump');
      return;
    }
    const classes = classList(s, buf, 2, dump);
    if (classes === null) {
      s.error('BADCLASS invalid class id');
      return;
    }
    const crawler = crawlerControl(store.shared);
    // memcached's metadump runs on its crawler, busy with a crawl asked for; the crawler's own
    // crawls, more frequent here than memcached's, do not hold a metadump up.
    if (dump && crawler.requestedBusy) {
      s.error(CRAWLER_BUSY);
      return;
    }
    if (dump) {
      store.countCrawlerStart();
      // memcached streams these lines with bare newlines and ends with END and a CRLF.
      for (const c of classes) s.out.text(metadumpLines(store, c));
      s.error('END');
      return;
    }
    s.error(crawler.request(classes) ? 'OK' : CRAWLER_BUSY);
    return;
  }
  if (n === 4 && (t.is(buf, 1, 'tocrawl') || t.is(buf, 1, 'sleep'))) {
    const v = parseFlags(buf, t.start[2]!, t.end[2]!);
    if (v < 0) s.error('CLIENT_ERROR bad command line format');
    else if (t.is(buf, 1, 'sleep') && v > 1_000_000) s.error('CLIENT_ERROR sleep must be one second or less');
    else {
      // Kept and shown in stats settings, and followed by the crawler's next crawls.
      store.setAdminSetting(t.is(buf, 1, 'sleep') ? 'lru_crawler_sleep' : 'lru_crawler_tocrawl', v);
      s.error('OK');
    }
    return;
  }
  if (n === 3 && t.is(buf, 1, 'enable')) {
    // memcached says so when its crawler thread is running already.
    s.error(store.setAdminSetting('lru_crawler', 1) === 1 ? 'ERROR failed to start lru crawler thread' : 'OK');
    return;
  }
  if (n === 3 && t.is(buf, 1, 'disable')) {
    store.setAdminSetting('lru_crawler', 0);
    s.error('OK');
    return;
  }
  s.error('ERROR');
}

/** `lru tune|mode|temp_ttl`: as memcached without its LRU maintainer, which has one LRU per class as here. */
export function lruCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens < 3) {
    s.error('ERROR');
    return;
  }
  setNoreplyMaybe(s, buf);
  if (t.is(buf, 1, 'tune') && t.ntokens >= 7) {
    const hot = parseFlags(buf, t.start[2]!, t.end[2]!);
    const warm = parseFlags(buf, t.start[3]!, t.end[3]!);
    const hotFactor = parseDouble(s, buf, 4);
    const warmFactor = parseDouble(s, buf, 5);
    if (hot < 0 || warm < 0 || Number.isNaN(hotFactor) || Number.isNaN(warmFactor)) s.reply('ERROR');
    else if (hot + warm > 80) s.reply('ERROR hot and warm pcts must not exceed 80');
    else if (warmFactor <= 0 || hotFactor <= 0) s.reply('ERROR hot/warm age factors must be greater than 0');
    // The segmented LRU's tuning, accepted and without effect, as in memcached with the maintainer off.
    else s.reply('OK');
    return;
  }
  // mode and temp_ttl need memcached's LRU maintainer; without it memcached answers ERROR.
  s.reply('ERROR');
}

/** `watch`: no log stream here; memcached with watch disabled (-W) answers this. */
export function watchCommand(s: Session): void {
  s.error('CLIENT_ERROR watch commands not allowed');
}

/** extstore's tunables: u32 values, except max_frag (a double) and free_memchunks (two, a class id first). */
const EXTSTORE_U32 = ['item_size', 'item_age', 'low_ttl', 'recache_rate', 'compact_under', 'drop_under', 'max_sleep', 'drop_unread'];

/**
 * `extstore <setting> <value>`: Debian's memcached has extstore built in but, without a storage
 * file, only checks and keeps the value; so is it here, where there is no extstore at all.
 */
export function extstoreCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  const n = t.ntokens;
  setNoreplyMaybe(s, buf);
  const u32 = (i: number) => parseFlags(buf, t.start[i]!, t.end[i]!);
  let ok = false;
  if (n >= 4) {
    if (t.is(buf, 1, 'free_memchunks')) ok = n > 4 && u32(3) >= 0 && u32(2) >= 0 && u32(2) <= MAX_CLASS_ID;
    else if (t.is(buf, 1, 'max_frag')) ok = !Number.isNaN(parseDouble(s, buf, 2));
    else ok = EXTSTORE_U32.some((name) => t.is(buf, 1, name)) && u32(2) >= 0;
  }
  s.reply(ok ? 'OK' : 'ERROR');
}

/** `refresh_certs`: there is no TLS here; Debian's memcached without TLS enabled answers this, noreply or not. */
export function refreshCertsCommand(s: Session): void {
  s.error('Error TLS not enabled');
}

/** `cache_memlimit <MiB> [noreply]`: the store's memory is sized once at start and cannot change. */
export function cacheMemlimitCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  setNoreplyMaybe(s, buf);
  const mib = parseFlags(buf, t.start[1]!, t.end[1]!);
  if (mib < 0) s.reply('ERROR');
  else if (mib < 8) s.reply('MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m');
  else if (mib > 1_000_000_000) s.reply('MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes');
  else if (mib === s.info.memoryLimitMiB) s.reply('OK');
  else s.reply('MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust');
}
