import type { Session } from './session.ts';
import type { StorageMode } from '../store/store.ts';
import { EXISTS, NO_MEMORY, NOT_FOUND, NOT_STORED, STORED, TOO_LARGE } from '../store/store.ts';
import { ITEM_HEADER_BYTES } from '../store/layout.ts';
import { S } from '../store/stats.ts';
import { parseFlags, parseI32, parseU64 } from '../numbers.ts';
import { KEY_MAX_LENGTH, NEED_MORE } from './limits.ts';
import { setNoreplyMaybe } from './noreply.ts';
import { countPrefix } from './stats-detail.ts';
import { PREFIX_SET } from '../store/prefix-stats.ts';

const INT_MAX = 2147483647;

export const STORE_RESULT_LINES: Record<number, string> = {
  [STORED]: 'STORED',
  [NOT_STORED]: 'NOT_STORED',
  [EXISTS]: 'EXISTS',
  [NOT_FOUND]: 'NOT_FOUND',
  [TOO_LARGE]: 'SERVER_ERROR object too large for cache',
  [NO_MEMORY]: 'SERVER_ERROR out of memory storing object',
};

/**
 * set/add/replace/append/prepend/cas <key> <flags> <exptime> <bytes> [cas] [noreply]\r\n<data>\r\n.
 * `start` is where the request began, `next` the first byte after its line. Returns where the
 * next request begins, or NEED_MORE until the data block has arrived.
 */
export function storageCommand(s: Session, buf: Buffer, start: number, next: number, mode: StorageMode): number {
  const t = s.tokens;
  const n = t.ntokens;
  const withCas = mode === 'cas';
  if (withCas ? n !== 7 && n !== 8 : n !== 6 && n !== 7) {
    s.error('ERROR');
    return next;
  }
  setNoreplyMaybe(s, buf);
  const ks = t.start[1]!;
  const ke = t.end[1]!;
  if (ke - ks > KEY_MAX_LENGTH) {
    s.reply('CLIENT_ERROR bad command line format');
    return next;
  }
  const flags = parseFlags(buf, t.start[2]!, t.end[2]!);
  const exptime = parseI32(buf, t.start[3]!, t.end[3]!);
  const vlen = parseI32(buf, t.start[4]!, t.end[4]!);
  let cas = 0n;
  if (withCas) cas = parseU64(buf, t.start[5]!, t.end[5]!);
  // Without a valid length the data block cannot be located, so (like memcached) it is not skipped.
  if (flags < 0 || Number.isNaN(exptime) || Number.isNaN(vlen) || cas < 0n || vlen < 0 || vlen > INT_MAX - 2) {
    s.reply('CLIENT_ERROR bad command line format');
    return next;
  }
  // memcached counts the set once its line is valid, before it allocates.
  countPrefix(s, buf, ks, ke, PREFIX_SET);
  if (ITEM_HEADER_BYTES + (ke - ks) + vlen + 2 > s.store.itemSizeMax) {
    // Answered before the data arrives, which is then discarded; a failed set also drops the old value.
    Atomics.add(s.store.stats, S.store_too_large, 1n);
    if (mode === 'set') s.store.delete(buf, ks, ke, false);
    s.reply(STORE_RESULT_LINES[TOO_LARGE]!);
    s.swallow = vlen + 2;
    return next;
  }
  const dataEnd = next + vlen;
  if (dataEnd + 2 > buf.length) {
    s.needBytes = dataEnd + 2 - start;
    return NEED_MORE;
  }
  if (buf[dataEnd] !== 13 || buf[dataEnd + 1] !== 10) {
    s.reply('CLIENT_ERROR bad data chunk');
    return dataEnd + 2;
  }
  const result = s.store.storeItem(mode, buf, ks, ke, buf, next, dataEnd, { flags, exptime, cas });
  s.reply(STORE_RESULT_LINES[result]!);
  return dataEnd + 2;
}
