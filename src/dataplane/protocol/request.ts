import type { Session } from './session.ts';
import { CLOSE, LINE_LIMIT_NO_NEWLINE, MAX_GET_LINE, NEED_MORE, READ_BUFFER_SIZE } from './limits.ts';
import { storageCommand } from './text-storage.ts';
import { retrievalCommand } from './text-retrieval.ts';
import { arithmeticCommand, deleteCommand, flushAllCommand, touchCommand, verbosityCommand } from './text-misc.ts';
import { statsCommand } from './stats-command.ts';
import { metaCommand } from './meta-commands.ts';
import {
  cacheMemlimitCommand, extstoreCommand, lruCommand, lruCrawlerCommand, refreshCertsCommand, slabsCommand, watchCommand,
} from './admin-commands.ts';

/**
 * Handles the request that starts at `pos` in `buf` (which ends at buf.length): finds its line in
 * place, dispatches it, and returns where the next request starts; NEED_MORE when the request is
 * not complete yet (nothing is consumed), or CLOSE when the connection must be closed.
 */
export function handleRequest(s: Session, buf: Buffer, pos: number): number {
  const end = buf.length;
  if (s.swallow > 0) {
    const n = Math.min(s.swallow, end - pos);
    s.swallow -= n;
    return pos + n;
  }
  const nl = buf.indexOf(10, pos);
  if (nl < 0) {
    const pending = end - pos;
    if (pending > LINE_LIMIT_NO_NEWLINE && (!isMultiGet(buf, pos, end) || pending > MAX_GET_LINE)) return CLOSE;
    s.needBytes = pending + 1;
    s.awaitingValue = false;
    return NEED_MORE;
  }
  // memcached would never have found this newline inside its read buffer.
  if (nl - pos > READ_BUFFER_SIZE && !isMultiGet(buf, pos, end)) return CLOSE;
  let le = nl;
  if (le - pos > 1 && buf[le - 1] === 13) le--;
  s.noreply = false;
  s.needBytes = 0;
  const t = s.tokens;
  t.tokenize(buf, pos, le);
  const next = dispatch(s, buf, pos, nl + 1);
  // Only a storage command waits with its line read: for its data block.
  s.awaitingValue = next === NEED_MORE;
  return next;
}

/** Leading spaces then "get " or "gets ": the only long lines memcached waits for. */
function isMultiGet(buf: Buffer, pos: number, end: number): boolean {
  let p = pos;
  while (p < end && buf[p] === 32) p++;
  if (p - pos > 100) return false;
  if (end - p < 4 || buf[p] !== 103 || buf[p + 1] !== 101 || buf[p + 2] !== 116) return false;
  return buf[p + 3] === 32 || (buf[p + 3] === 115 && buf[p + 4] === 32);
}

/** memcached's process_command_ascii: the same checks in the same order, so the same error lines. */
function dispatch(s: Session, buf: Buffer, start: number, next: number): number {
  const t = s.tokens;
  const n = t.ntokens;
  if (n < 2 || t.length(0) < 2) {
    s.error('ERROR');
    return next;
  }
  const c0 = buf[t.start[0]!]!;
  const len0 = t.length(0);
  if (c0 === 109 /* m */ && len0 === 2) return metaCommand(s, buf, start, next);
  switch (c0) {
    case 103: // g
      if (n < 3) break;
      if (t.is(buf, 0, 'get')) retrievalCommand(s, buf, false, false);
      else if (t.is(buf, 0, 'gets')) retrievalCommand(s, buf, true, false);
      else if (t.is(buf, 0, 'gat')) retrievalCommand(s, buf, false, true);
      else if (t.is(buf, 0, 'gats')) retrievalCommand(s, buf, true, true);
      else break;
      return next;
    case 115: // s
      if (t.is(buf, 0, 'set')) return storageCommand(s, buf, start, next, 'set');
      if (t.is(buf, 0, 'stats')) {
        statsCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'shutdown')) {
        s.error('ERROR: shutdown not enabled');
        return next;
      }
      if (t.is(buf, 0, 'slabs')) {
        slabsCommand(s, buf);
        return next;
      }
      break;
    case 97: // a
      if (t.is(buf, 0, 'add')) return storageCommand(s, buf, start, next, 'add');
      if (t.is(buf, 0, 'append')) return storageCommand(s, buf, start, next, 'append');
      break;
    case 99: // c
      if (t.is(buf, 0, 'cas')) return storageCommand(s, buf, start, next, 'cas');
      if (t.is(buf, 0, 'cache_memlimit')) {
        if (n !== 3 && n !== 4) break;
        cacheMemlimitCommand(s, buf);
        return next;
      }
      break;
    case 105: // i
      if (t.is(buf, 0, 'incr')) {
        if (n !== 4 && n !== 5) break;
        arithmeticCommand(s, buf, true);
        return next;
      }
      break;
    case 100: // d
      if (t.is(buf, 0, 'delete')) {
        if (n < 3 || n > 5) break;
        deleteCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'decr')) {
        if (n !== 4 && n !== 5) break;
        arithmeticCommand(s, buf, false);
        return next;
      }
      break;
    case 116: // t
      if (t.is(buf, 0, 'touch')) {
        if (n !== 4 && n !== 5) break;
        touchCommand(s, buf);
        return next;
      }
      break;
    default:
      if (t.is(buf, 0, 'prepend')) return storageCommand(s, buf, start, next, 'prepend');
      if (t.is(buf, 0, 'replace')) return storageCommand(s, buf, start, next, 'replace');
      if (t.is(buf, 0, 'flush_all')) {
        if (n < 2 || n > 4) break;
        flushAllCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'version')) {
        s.error(`VERSION ${s.info.version}`);
        return next;
      }
      if (t.is(buf, 0, 'quit')) {
        s.closing = true;
        return next;
      }
      if (t.is(buf, 0, 'lru_crawler')) {
        lruCrawlerCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'lru')) {
        lruCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'watch')) {
        watchCommand(s);
        return next;
      }
      // memcached's ancient binary get, still answered as get.
      if (t.is(buf, 0, 'bget')) {
        if (n < 3) break;
        retrievalCommand(s, buf, false, false);
        return next;
      }
      if (t.is(buf, 0, 'extstore')) {
        if (n < 3) break;
        extstoreCommand(s, buf);
        return next;
      }
      if (t.is(buf, 0, 'refresh_certs')) {
        refreshCertsCommand(s);
        return next;
      }
      if (t.is(buf, 0, 'verbosity')) {
        if (n !== 3 && n !== 4) break;
        verbosityCommand(s, buf);
        return next;
      }
      // A stray HTTP request: memcached hangs up rather than answer ERROR.
      if (t.count > 0 && t.length(t.count - 1) >= 5 && buf.toString('latin1', t.start[t.count - 1]!, t.start[t.count - 1]! + 5) === 'HTTP/') {
        return CLOSE;
      }
  }
  s.error('ERROR');
  return next;
}
