// The item listings of `lru_crawler metadump` and `stats cachedump`, in memcached's formats.
import type { Store } from '../store/store.ts';
import { IF_FETCHED } from '../store/layout.ts';

/** memcached's uri_encode of keys in metadump lines: all but A-Z a-z 0-9 - . _ ~ as %XX. */
function uriEncode(mem: Buffer, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = mem[i]!;
    const plain = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || c === 126;
    out += plain ? String.fromCharCode(c) : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * One line per live item of class c (0-based), oldest first, each ending in a bare newline as
 * memcached writes them: key (URI-encoded), absolute exptime or -1, last access, CAS, fetched,
 * class id, and the item's size in this store's layout.
 */
export function metadumpLines(store: Store, c: number): string {
  const now = store.now();
  let text = '';
  store.visitClass(c, true, (ref) => {
    if (store.deadness(ref, now) !== 0) return true;
    const ko = store.keyOffset(ref);
    const exp = store.exptime(ref);
    const fetched = (store.metaFlags(ref) & IF_FETCHED) !== 0;
    text += `key=${uriEncode(store.mem, ko, ko + store.nkey(ref))} exp=${exp === 0 ? -1 : exp} la=${store.atime(ref)} `
      + `cas=${store.cas(ref)} fetch=${fetched ? 'yes' : 'no'} cls=${c + 1} size=${store.totalSize(ref)}\n`;
    return true;
  });
  return text;
}

/** `stats cachedump` lines of class c (0-based), newest first, at most `limit` (0 = all): "ITEM key [n b; exptime s]". */
export function cachedumpLines(store: Store, c: number, limit: number): string[] {
  const lines: string[] = [];
  store.visitClass(c, false, (ref) => {
    const ko = store.keyOffset(ref);
    lines.push(`ITEM ${store.mem.toString('latin1', ko, ko + store.nkey(ref))} [${store.valueLength(ref)} b; ${store.exptime(ref)} s]`);
    return limit === 0 || lines.length < limit;
  });
  return lines;
}
