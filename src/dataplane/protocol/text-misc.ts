import type { Session } from './session.ts';
import { DELTA_OK, NO_MEMORY, NON_NUMERIC, NOT_FOUND } from '../store/store.ts';
import { parseFlags, parseI32, parseU64 } from '../numbers.ts';
import { KEY_MAX_LENGTH } from './limits.ts';
import { setNoreplyMaybe } from './noreply.ts';
import { countPrefix } from './stats-detail.ts';
import { PREFIX_DEL } from '../store/prefix-stats.ts';

/** delete <key> [0] [noreply]: the old "hold time" argument is accepted only as 0, like memcached. */
export function deleteCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  const n = t.ntokens;
  if (n > 3) {
    const holdIsZero = t.is(buf, 2, '0');
    const noreply = setNoreplyMaybe(s, buf);
    const valid = (n === 4 && (holdIsZero || noreply)) || (n === 5 && holdIsZero && noreply);
    if (!valid) {
      s.reply('CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]');
      return;
    }
  }
  if (t.length(1) > KEY_MAX_LENGTH) {
    s.reply('CLIENT_ERROR bad command line format');
    return;
  }
  countPrefix(s, buf, t.start[1]!, t.end[1]!, PREFIX_DEL);
  s.reply(s.store.delete(buf, t.start[1]!, t.end[1]!) ? 'DELETED' : 'NOT_FOUND');
}

/** incr/decr <key> <delta> [noreply] */
export function arithmeticCommand(s: Session, buf: Buffer, incr: boolean): void {
  const t = s.tokens;
  setNoreplyMaybe(s, buf);
  if (t.length(1) > KEY_MAX_LENGTH) {
    s.reply('CLIENT_ERROR bad command line format');
    return;
  }
  const delta = parseU64(buf, t.start[2]!, t.end[2]!);
  if (delta < 0n) {
    s.reply('CLIENT_ERROR invalid numeric delta argument');
    return;
  }
  const store = s.store;
  switch (store.delta(buf, t.start[1]!, t.end[1]!, incr, delta, s.outcome)) {
    case DELTA_OK: s.reply(s.outcome.counter.toString()); break;
    case NON_NUMERIC: s.reply('CLIENT_ERROR cannot increment or decrement non-numeric value'); break;
    case NO_MEMORY: s.reply('SERVER_ERROR out of memory'); break;
    case NOT_FOUND: s.reply('NOT_FOUND'); break;
  }
}

/** touch <key> <exptime> [noreply] */
export function touchCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  setNoreplyMaybe(s, buf);
  if (t.length(1) > KEY_MAX_LENGTH) {
    s.reply('CLIENT_ERROR bad command line format');
    return;
  }
  const exptime = parseI32(buf, t.start[2]!, t.end[2]!);
  if (Number.isNaN(exptime)) {
    s.reply('CLIENT_ERROR invalid exptime argument');
    return;
  }
  s.reply(s.store.touch(buf, t.start[1]!, t.end[1]!, exptime) ? 'TOUCHED' : 'NOT_FOUND');
}

/** flush_all [delay] [noreply] */
export function flushAllCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  const noreply = setNoreplyMaybe(s, buf);
  let delay = 0;
  if (t.ntokens !== (noreply ? 3 : 2)) {
    delay = parseI32(buf, t.start[1]!, t.end[1]!);
    if (Number.isNaN(delay)) {
      s.reply('CLIENT_ERROR invalid exptime argument');
      return;
    }
  }
  s.store.flush(delay);
  s.reply('OK');
}

/** verbosity <level> [noreply] */
export function verbosityCommand(s: Session, buf: Buffer): void {
  const t = s.tokens;
  setNoreplyMaybe(s, buf);
  const level = parseFlags(buf, t.start[1]!, t.end[1]!);
  if (level < 0) {
    s.reply('CLIENT_ERROR bad command line format');
    return;
  }
  s.store.setVerbosity(Math.min(level, 2));
  s.reply('OK');
}
