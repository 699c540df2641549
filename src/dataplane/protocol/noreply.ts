import type { Session } from './session.ts';

/** memcached's set_noreply_maybe: the last token being "noreply" silences the command's replies. */
export function setNoreplyMaybe(s: Session, buf: Buffer): boolean {
  const t = s.tokens;
  if (t.count > 0 && t.is(buf, t.count - 1, 'noreply')) s.noreply = true;
  return s.noreply;
}
