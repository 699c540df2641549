// `stats detail on|off|dump`: memcached's per key prefix statistics (store/prefix-stats.ts). While
// on, get/gets/gat/gats count a get (and a hit) per key, the text storage commands a set, and delete
// a del, where memcached counts them (its text commands; meta commands, touch and incr/decr not).
import type { Session } from './session.ts';
import { ADMIN_SETTINGS } from '../store/store.ts';
import { CTL_ADMIN_SETTINGS } from '../store/layout.ts';

/** The switch's word in the store's control array, read on every counted command. */
const DETAIL_ENABLED = CTL_ADMIN_SETTINGS + ADMIN_SETTINGS.indexOf('detail_enabled');

/** Counts `kind` (PREFIX_GET …) for a key when `stats detail` is on. */
export function countPrefix(s: Session, buf: Buffer, ks: number, ke: number, kind: number, hit = false): void {
  // A plain read: a switch turned on by another thread is seen a moment later at worst.
  if (s.store.ctl[DETAIL_ENABLED] === 1) s.store.prefixStats.count(buf, ks, ke, kind, hit);
}

export function detailCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  if (t.ntokens >= 4 && (t.is(buf, 2, 'on') || t.is(buf, 2, 'off'))) {
    s.store.setAdminSetting('detail_enabled', t.is(buf, 2, 'on') ? 1 : 0);
    s.out.line('OK');
  } else if (t.ntokens >= 4 && t.is(buf, 2, 'dump')) {
    // Also while off: memcached dumps what was counted until a reset.
    for (const r of s.store.prefixStats.dump()) s.out.line(`PREFIX ${r.prefix} get ${r.get} hit ${r.hit} set ${r.set} del ${r.del}`);
    s.out.line('END');
  } else {
    s.error('CLIENT_ERROR usage: stats detail on|off|dump');
  }
}
