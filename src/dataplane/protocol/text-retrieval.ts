import type { Session } from './session.ts';
import { NONE } from '../store/layout.ts';
import { parseI32 } from '../numbers.ts';
import { KEY_MAX_LENGTH } from './limits.ts';
import { countPrefix } from './stats-detail.ts';
import { PREFIX_GET } from '../store/prefix-stats.ts';

/**
 * get/gets <key>* and gat/gats <exptime> <key>*. Keys are read in place; every hit becomes a
 * header line plus a view of the value in store memory. A bad key anywhere in the list makes the
 * whole answer `CLIENT_ERROR bad command line format` alone, as in memcached, though the keys
 * before it were looked up (and counted) as there.
 */
export function retrievalCommand(s: Session, buf: Buffer, withCas: boolean, touch: boolean): void {
  const t = s.tokens;
  let first = 1;
  let exptime: number | null = null;
  if (touch) {
    exptime = parseI32(buf, t.start[1]!, t.end[1]!);
    if (Number.isNaN(exptime)) {
      s.error('CLIENT_ERROR invalid exptime argument');
      return;
    }
    first = 2;
  }
  s.out.mark();
  for (let i = first; i < t.count; i++) {
    if (!oneKey(s, buf, t.start[i]!, t.end[i]!, withCas, exptime)) return;
  }
  // Beyond memcached's token limit the rest of the line holds more keys.
  if (t.rest >= 0) {
    let i = t.rest;
    const end = t.lineEnd;
    while (i < end) {
      while (i < end && buf[i] === 32) i++;
      const ks = i;
      while (i < end && buf[i] !== 32) i++;
      if (i > ks && !oneKey(s, buf, ks, i, withCas, exptime)) return;
    }
  }
  s.out.line('END');
}

function oneKey(s: Session, buf: Buffer, ks: number, ke: number, withCas: boolean, exptime: number | null): boolean {
  if (ke - ks > KEY_MAX_LENGTH) {
    for (const ref of s.out.dropReplyToMark()) s.store.release(ref);
    s.error('CLIENT_ERROR bad command line format');
    return false;
  }
  const store = s.store;
  const ref = store.get(buf, ks, ke, exptime, withCas ? s.outcome : null);
  countPrefix(s, buf, ks, ke, PREFIX_GET, ref !== NONE);
  if (ref === NONE) return true;
  const out = s.out;
  // "VALUE <key> <flags> <bytes>[ <cas>]": written field by field, no string is built.
  out.text('VALUE ');
  out.bytesOf(buf, ks, ke);
  out.byte(32);
  out.uint(store.flags(ref));
  out.byte(32);
  out.uint(store.valueLength(ref));
  if (withCas) {
    out.byte(32);
    out.text(s.outcome.cas.toString());
  }
  out.crlf();
  out.view(store, ref);
  return true;
}
