import type { Session } from './session.ts';
import type { MetaFlags } from './meta-flags.ts';
import { MAX_OPAQUE_LENGTH } from './meta-flags.ts';
import type { StorageMode } from '../store/store.ts';
import {
  ALLOC_TOO_LARGE, DELTA_OK, EXISTS, NO_MEMORY, NON_NUMERIC, NOT_FOUND, STORED, TOO_LARGE,
} from '../store/store.ts';
import { IF_FETCHED, IF_STALE, IF_WIN_SENT, ITEM_HEADER_BYTES, NONE } from '../store/layout.ts';
import { absoluteExptime } from '../store/expiry.ts';
import { S } from '../store/stats.ts';
import { CH } from '../store/class-hits.ts';
import { parseI32 } from '../numbers.ts';
import { KEY_MAX_LENGTH, NEED_MORE } from './limits.ts';
import { STORE_RESULT_LINES } from './text-storage.ts';

/** mg, ms, md, ma, mn, me: memcached 1.6's meta protocol. Returns where the next request starts. */
export function metaCommand(s: Session, buf: Buffer, start: number, next: number): number {
  const t = s.tokens;
  s.store.count(S.cmd_meta, 1);
  switch (buf[t.start[0]! + 1]) {
    case 103: metaGet(s, buf); return next;
    case 115: return metaSet(s, buf, start, next);
    case 100: metaDelete(s, buf); return next;
    case 97: metaArithmetic(s, buf); return next;
    case 110: s.error('MN'); return next;
    case 101: metaDebug(s, buf); return next;
    default: s.error('ERROR'); return next;
  }
}

/** Common start: enough tokens, key length, flags. False when an error line has been written. */
function begin(s: Session, buf: Buffer, firstFlag: number, badFlags: string | null): boolean {
  const t = s.tokens;
  if (t.ntokens < 3) {
    s.error('ERROR');
    return false;
  }
  if (t.length(1) > KEY_MAX_LENGTH) {
    s.error('CLIENT_ERROR bad command line format');
    return false;
  }
  if (!s.meta.parse(s, buf, firstFlag, false)) {
    s.error(badFlags ?? s.meta.error!);
    return false;
  }
  return true;
}

function opaqueTooLong(s: Session, buf: Buffer, first: number): boolean {
  const t = s.tokens;
  for (let i = first; i < t.count; i++) if (buf[t.start[i]!] === 79 && t.length(i) > MAX_OPAQUE_LENGTH) return true;
  return false;
}

/** " k<key>", base64 again (with " b") when the client sent it encoded. */
function keyFlag(f: MetaFlags, key: Buffer, ks: number, ke: number): string {
  return f.binaryKey ? ` k${key.toString('base64', ks, ke)} b` : ` k${key.toString('latin1', ks, ke)}`;
}

/** The O and k flags, which every meta reply carries back, misses included. */
function echoFlags(s: Session, buf: Buffer, first: number): string {
  const t = s.tokens;
  const f = s.meta;
  let out = '';
  for (let i = first; i < t.count; i++) {
    const c = buf[t.start[i]!];
    if (c === 79) out += ` ${buf.toString('latin1', t.start[i]!, t.end[i]!)}`;
    else if (c === 107) out += keyFlag(f, f.keyBuf, f.ks, f.ke);
  }
  return out;
}

function metaGet(s: Session, buf: Buffer): void {
  if (!begin(s, buf, 2, null)) return;
  if (opaqueTooLong(s, buf, 2)) {
    s.error('CLIENT_ERROR opaque token too long');
    return;
  }
  const f = s.meta;
  const t = s.tokens;
  const store = s.store;
  const now = store.now();
  const hash = store.hash(f.keyBuf, f.ks, f.ke);
  store.lockKey(hash);
  let ref = store.findLive(hash, f.keyBuf, f.ks, f.ke, now);
  let created = false;
  if (ref === NONE && f.vivify) {
    // A miss with N creates an empty placeholder and tells this client (only) to fill it.
    const fresh = store.alloc(f.ke - f.ks, 0);
    if (fresh >= 0) {
      store.initItem(fresh, f.keyBuf, f.ks, f.ke, hash, 0, 0, now);
      store.link(fresh);
      store.release(fresh);
      ref = fresh;
      created = true;
    }
  }
  store.count(S.cmd_get, 1);
  if (ref === NONE) {
    store.unlockKey(hash);
    store.count(S.get_misses, 1);
    if (!f.quiet) s.out.line(`EN${echoFlags(s, buf, 2)}`);
    return;
  }
  store.count(S.get_hits, 1);
  store.countClassHit(ref, CH.get_hits);
  const meta = store.metaFlags(ref);
  const vlen = store.valueLength(ref);
  let line = f.value ? `VA ${vlen}` : 'HD';
  let won = false;
  for (let i = 2; i < t.count; i++) {
    switch (buf[t.start[i]!]) {
      case 84: // T
        store.setExptime(ref, absoluteExptime(f.exptime, now));
        store.count(S.cmd_touch, 1);
        store.count(S.touch_hits, 1);
        store.countClassHit(ref, CH.touch_hits);
        break;
      case 78: // N
        if (created) {
          store.setExptime(ref, absoluteExptime(f.vivifyExptime, now));
          won = true;
        }
        break;
      case 82: { // R: the TTL has fallen below the threshold: one client wins the recache
        const exp = store.exptime(ref);
        if (!(meta & IF_WIN_SENT) && !created && exp !== 0 && exp < absoluteExptime(f.recacheTime, now)) won = true;
        break;
      }
      case 115: line += ` s${vlen}`; break;
      case 116: { const exp = store.exptime(ref); line += exp === 0 ? ' t-1' : ` t${exp - now}`; break; }
      case 99: line += ` c${store.cas(ref)}`; break;
      case 102: line += ` f${store.flags(ref)}`; break;
      case 108: line += ` l${now - store.atime(ref)}`; break;
      case 104: line += meta & IF_FETCHED ? ' h1' : ' h0'; break;
      case 79: line += ` ${buf.toString('latin1', t.start[i]!, t.end[i]!)}`; break;
      case 107: line += keyFlag(f, store.mem, store.keyOffset(ref), store.keyOffset(ref) + store.nkey(ref)); break;
    }
  }
  // Z before X and W, so a client never sees W together with Z (as memcached orders them).
  if (meta & IF_WIN_SENT) line += ' Z';
  if (meta & IF_STALE) {
    line += ' X';
    if (!(meta & IF_WIN_SENT)) won = true;
  }
  if (won) {
    line += ' W';
    store.setMetaFlags(ref, IF_WIN_SENT, 0);
  }
  if (f.value) store.retain(ref);
  if (!f.noUpdate) store.markFetched(ref, now);
  store.unlockKey(hash);
  s.out.line(line);
  if (f.value) s.out.view(store, ref);
}

const MS_MODES: Record<number, StorageMode> = { 0: 'set', 83: 'set', 69: 'add', 65: 'append', 80: 'prepend', 82: 'replace' };

function metaSet(s: Session, buf: Buffer, start: number, next: number): number {
  const t = s.tokens;
  if (t.ntokens < 3) {
    s.error('ERROR');
    return next;
  }
  if (t.length(1) > KEY_MAX_LENGTH || t.ntokens === 3) {
    s.error('CLIENT_ERROR bad command line format');
    return next;
  }
  const vlen = parseI32(buf, t.start[2]!, t.end[2]!);
  if (Number.isNaN(vlen) || vlen < 0 || vlen > 2147483645) {
    s.error('CLIENT_ERROR bad command line format');
    return next;
  }
  const f = s.meta;
  // From here on the data block's size is known: after an error it is skipped.
  const fail = (line: string): number => {
    s.error(line);
    s.swallow = vlen + 2;
    return next;
  };
  if (!f.parse(s, buf, 3, true)) return fail(f.error!);
  if (opaqueTooLong(s, buf, 3)) return fail('CLIENT_ERROR opaque token too long');
  let mode = MS_MODES[f.mode];
  if (mode === undefined) return fail('CLIENT_ERROR invalid mode for ms M token');
  if (f.hasCas && (mode === 'set' || mode === 'replace')) mode = 'cas';
  const store = s.store;
  if (ITEM_HEADER_BYTES + (f.ke - f.ks) + vlen + 2 > store.itemSizeMax) {
    Atomics.add(store.stats, S.store_too_large, 1n);
    store.delete(f.keyBuf, f.ks, f.ke, false);
    return fail(STORE_RESULT_LINES[TOO_LARGE]!);
  }
  const dataEnd = next + vlen;
  if (dataEnd + 2 > buf.length) {
    s.needBytes = dataEnd + 2 - start;
    return NEED_MORE;
  }
  if (buf[dataEnd] !== 13 || buf[dataEnd + 1] !== 10) {
    s.error('CLIENT_ERROR bad data chunk');
    return dataEnd + 2;
  }
  const result = store.storeItem(mode, f.keyBuf, f.ks, f.ke, buf, next, dataEnd, {
    flags: f.clientFlags, exptime: f.newTtl ? f.exptime : 0, cas: f.hasCas ? f.cas : 0n, out: s.outcome,
    meta: { invalidate: f.invalidate, newCas: f.newCas, vivifyExptime: f.vivify ? f.vivifyExptime : null },
  });
  if (result === TOO_LARGE || result === NO_MEMORY) {
    s.error(STORE_RESULT_LINES[result]!);
    return dataEnd + 2;
  }
  if (result === STORED && f.quiet) return dataEnd + 2;
  let line = result === STORED ? 'HD' : result === EXISTS ? 'EX' : result === NOT_FOUND ? 'NF' : 'NS';
  for (let i = 3; i < t.count; i++) {
    const c = buf[t.start[i]!];
    if (c === 79) line += ` ${buf.toString('latin1', t.start[i]!, t.end[i]!)}`;
    else if (c === 107) line += keyFlag(f, f.keyBuf, f.ks, f.ke);
    else if (c === 99) line += ` c${result === STORED ? s.outcome.cas : 0}`; // memcached shows 0 when nothing was stored
  }
  s.out.line(line);
  return dataEnd + 2;
}

function metaDelete(s: Session, buf: Buffer): void {
  if (!begin(s, buf, 2, 'CLIENT_ERROR invalid or duplicate flag')) return;
  const f = s.meta;
  const store = s.store;
  const now = store.now();
  const hash = store.hash(f.keyBuf, f.ks, f.ke);
  store.lockKey(hash);
  const ref = store.findLive(hash, f.keyBuf, f.ks, f.ke, now);
  let code: string;
  if (ref === NONE) code = 'NF';
  else if (f.hasCas && f.cas !== store.cas(ref)) code = 'EX';
  else {
    store.countClassHit(ref, CH.delete_hits);
    if (f.invalidate) {
      // Invalidation keeps the value but marks it stale, so the next mg wins the right to recache it.
      if (f.newTtl) store.setExptime(ref, absoluteExptime(f.exptime, now));
      store.setMetaFlags(ref, IF_STALE, IF_WIN_SENT);
      store.setCas(ref, store.nextCas());
    } else {
      store.unlink(ref);
    }
    code = 'HD';
  }
  store.unlockKey(hash);
  store.count(code === 'NF' ? S.delete_misses : S.delete_hits, code === 'EX' ? 0 : 1);
  if (code === 'HD' && f.quiet) return;
  s.out.line(code + echoFlags(s, buf, 2));
}

function metaArithmetic(s: Session, buf: Buffer): void {
  if (!begin(s, buf, 2, 'CLIENT_ERROR invalid or duplicate flag')) return;
  const f = s.meta;
  const m = f.mode;
  let incr: boolean;
  if (m === 0 || m === 73 || m === 105 || m === 43) incr = true; // I i +
  else if (m === 68 || m === 100 || m === 45) incr = false; // D d -
  else {
    s.error('CLIENT_ERROR invalid mode for ma M token');
    return;
  }
  const t = s.tokens;
  const store = s.store;
  const now = store.now();
  const hash = store.hash(f.keyBuf, f.ks, f.ke);
  store.lockKey(hash);
  let value = 0n;
  let ref = NONE;
  let created = false;
  let code = '';
  const r = store.deltaLocked(hash, f.keyBuf, f.ks, f.ke, incr, f.delta, f.hasCas ? f.cas : 0n, now, s.outcome);
  if (r === DELTA_OK) {
    value = s.outcome.counter;
    ref = store.findLive(hash, f.keyBuf, f.ks, f.ke, now);
  } else if (r === NOT_FOUND && f.vivify) {
    const digits = f.initial.toString();
    const fresh = store.alloc(f.ke - f.ks, digits.length);
    if (fresh >= 0) {
      store.initItem(fresh, f.keyBuf, f.ks, f.ke, hash, 0, 0, now);
      store.mem.write(digits, store.valueOffset(fresh), 'latin1');
      store.link(fresh);
      store.release(fresh);
      ref = fresh;
      created = true;
      value = f.initial;
    } else code = fresh === ALLOC_TOO_LARGE ? 'SERVER_ERROR object too large for cache' : 'SERVER_ERROR out of memory';
  } else if (r === NOT_FOUND) code = 'NF';
  else if (r === EXISTS) code = 'EX';
  else if (r === NON_NUMERIC) code = 'CLIENT_ERROR cannot increment or decrement non-numeric value';
  else if (r === NO_MEMORY) code = 'SERVER_ERROR out of memory';
  let line: string;
  if (ref !== NONE) {
    const digits = value.toString();
    line = f.value ? `VA ${digits.length}` : 'HD';
    for (let i = 2; i < t.count; i++) {
      switch (buf[t.start[i]!]) {
        case 99: line += ` c${store.cas(ref)}`; break;
        case 116: { const exp = store.exptime(ref); line += exp === 0 ? ' t-1' : ` t${exp - now}`; break; }
        case 84: store.setExptime(ref, absoluteExptime(f.exptime, now)); break;
        case 78: if (created) store.setExptime(ref, absoluteExptime(f.vivifyExptime, now)); break;
        case 79: line += ` ${buf.toString('latin1', t.start[i]!, t.end[i]!)}`; break;
        case 107: line += keyFlag(f, f.keyBuf, f.ks, f.ke); break;
      }
    }
    if (f.value) line += `\r\n${digits}`;
  } else {
    line = code.startsWith('NF') || code.startsWith('EX') ? code + echoFlags(s, buf, 2) : code;
  }
  store.unlockKey(hash);
  if (r === DELTA_OK || r === NOT_FOUND) {
    const hit = r === DELTA_OK;
    store.count(incr ? (hit ? S.incr_hits : S.incr_misses) : (hit ? S.decr_hits : S.decr_misses), 1);
  }
  // Quiet mode hides only a plain success; a created item or a miss is still reported (as memcached does).
  if (r === DELTA_OK && f.quiet) return;
  s.out.line(line);
}

/** me <key> [b]: memcached's debug line about an item. */
function metaDebug(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens < 3 || t.length(1) > KEY_MAX_LENGTH) {
    s.error('CLIENT_ERROR bad command line format');
    return;
  }
  const f = s.meta;
  const binary = t.count >= 3 && t.length(2) === 1 && buf[t.start[2]!] === 98;
  if (binary) {
    if (!f.parse(s, buf, 2, false)) {
      s.error(f.error!);
      return;
    }
  } else {
    f.keyBuf = buf;
    f.ks = t.start[1]!;
    f.ke = t.end[1]!;
  }
  const store = s.store;
  const now = store.now();
  const hash = store.hash(f.keyBuf, f.ks, f.ke);
  store.lockKey(hash);
  const ref = store.findLive(hash, f.keyBuf, f.ks, f.ke, now);
  if (ref === NONE) {
    store.unlockKey(hash);
    s.out.line('EN');
    return;
  }
  const exp = store.exptime(ref);
  const flags = store.flags(ref);
  // size is memcached's ITEM_ntotal for the same item (its header, key + NUL, value + CRLF, CAS,
  // flags when nonzero), so clients comparing sizes see the same numbers.
  const size = 48 + store.nkey(ref) + 1 + store.valueLength(ref) + 2 + 8 + (flags !== 0 ? 4 : 0);
  const key = binary ? buf.toString('latin1', t.start[1]!, t.end[1]!) : store.mem.toString('latin1', store.keyOffset(ref), store.keyOffset(ref) + store.nkey(ref));
  const line = `ME ${key} exp=${exp === 0 ? -1 : exp - now} la=${now - store.atime(ref)} cas=${store.cas(ref)} fetch=${store.metaFlags(ref) & IF_FETCHED ? 'yes' : 'no'} cls=${slabClass(store.chunkSizes, store.totalSize(ref))} size=${size}`;
  store.unlockKey(hash);
  s.out.line(line);
}

function slabClass(sizes: readonly number[], total: number): number {
  let c = 0;
  while (c < sizes.length - 1 && sizes[c]! < total) c++;
  return c + 1;
}

