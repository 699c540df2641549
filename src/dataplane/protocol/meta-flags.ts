import type { Tokens } from './tokens.ts';
import { parseFlags, parseI32, parseU64 } from '../numbers.ts';

/** Longest opaque (O) token memcached echoes back. */
export const MAX_OPAQUE_LENGTH = 32;

/**
 * Flags of one meta command, parsed like memcached's _meta_flag_preparse: a duplicate or unknown
 * flag stops at once, a bad token notes its error and parsing goes on (so the data block size of
 * an ms is still known and can be skipped). One instance per session, reset for each command.
 */
export class MetaFlags {
  private readonly seen = new Uint8Array(128);
  error: string | null = null;
  binaryKey = false;
  value = false;
  quiet = false;
  noUpdate = false;
  /** Flags that need the item lock held across the reply (memcached's "locked"). */
  locked = false;
  vivify = false;
  vivifyExptime = 0;
  newTtl = false;
  exptime = 0;
  recache = false;
  recacheTime = 0;
  clientFlags = 0;
  hasCas = false;
  cas = 0n;
  newCas = 0n;
  mode = 0;
  initial = 0n;
  delta = 1n;
  invalidate = false;
  /** The key, possibly decoded from base64 into the session's key buffer. */
  keyBuf: Buffer = Buffer.alloc(0);
  ks = 0;
  ke = 0;

  private reset(): void {
    this.seen.fill(0);
    this.error = null;
    this.binaryKey = this.value = this.quiet = this.noUpdate = this.locked = false;
    this.vivify = this.newTtl = this.recache = this.hasCas = this.invalidate = false;
    this.vivifyExptime = this.exptime = this.recacheTime = this.clientFlags = this.mode = 0;
    this.cas = this.newCas = this.initial = 0n;
    this.delta = 1n;
  }

  /**
   * Parses tokens from `first`; returns false with `error` set when the command must fail. `s` is
   * the session's (its tokens, and the buffer a base64 key is decoded into).
   */
  parse(s: { tokens: Tokens; keyScratch: Buffer }, buf: Buffer, first: number, allowNewCas: boolean): boolean {
    this.reset();
    const t = s.tokens;
    this.keyBuf = buf;
    this.ks = t.start[1]!;
    this.ke = t.end[1]!;
    for (let i = first; i < t.count; i++) {
      const ts = t.start[i]!;
      const te = t.end[i]!;
      const o = buf[ts]!;
      if (o >= 127 || this.seen[o]) {
        this.error = 'CLIENT_ERROR duplicate flag';
        return false;
      }
      this.seen[o] = 1;
      switch (o) {
        case 98: // b: base64 key
          if (!decodeKey(this, s.keyScratch, buf)) this.error = 'CLIENT_ERROR error decoding key';
          this.binaryKey = true;
          break;
        case 78: // N
          this.locked = this.vivify = true;
          this.vivifyExptime = this.exptimeToken(buf, ts, te);
          break;
        case 84: // T
          this.locked = this.newTtl = true;
          this.exptime = this.exptimeToken(buf, ts, te);
          break;
        case 82: // R
          this.locked = this.recache = true;
          this.recacheTime = this.exptimeToken(buf, ts, te);
          break;
        case 108: // l
        case 104: // h
          this.locked = true; // the reply shows the state before this fetch updates it
          break;
        case 79: case 80: case 76: case 107: case 115: case 116: case 99: case 102: // O P L k s t c f
          break;
        case 118: this.value = true; break; // v
        case 117: this.noUpdate = true; break; // u
        case 113: this.quiet = true; break; // q
        case 70: { // F
          const f = parseFlags(buf, ts + 1, te);
          if (f < 0) this.error ??= 'CLIENT_ERROR bad command line format';
          else this.clientFlags = f;
          break;
        }
        case 67: { // C
          const c = parseU64(buf, ts + 1, te);
          if (c < 0n) this.error = 'CLIENT_ERROR bad token in command line format';
          else {
            this.hasCas = true;
            this.cas = c;
          }
          break;
        }
        case 69: { // E: memcached 1.6.21+; Debian's 1.6.18 rejects it as an invalid flag
          if (!allowNewCas) {
            this.error = 'CLIENT_ERROR invalid flag';
            return false;
          }
          const c = parseU64(buf, ts + 1, te);
          if (c <= 0n) this.error = 'CLIENT_ERROR bad token in command line format';
          else this.newCas = c;
          break;
        }
        case 77: // M
          if (te - ts !== 2) this.error = 'CLIENT_ERROR incorrect length for M token';
          else this.mode = buf[ts + 1]!;
          break;
        case 74: { // J
          const v = parseU64(buf, ts + 1, te);
          if (v < 0n) this.error = 'CLIENT_ERROR invalid numeric initial value';
          else this.initial = v;
          break;
        }
        case 68: { // D
          const v = parseU64(buf, ts + 1, te);
          if (v < 0n) this.error = 'CLIENT_ERROR invalid numeric delta value';
          else this.delta = v;
          break;
        }
        case 73: this.invalidate = true; break; // I
        default:
          this.error = 'CLIENT_ERROR invalid flag';
          return false;
      }
    }
    return this.error === null;
  }

  private exptimeToken(buf: Buffer, ts: number, te: number): number {
    const v = parseI32(buf, ts + 1, te);
    if (Number.isNaN(v)) {
      this.error = 'CLIENT_ERROR bad token in command line format';
      return 0;
    }
    return v;
  }
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (memcached's decoder refuses what Node's would guess at). */
function decodeKey(f: MetaFlags, scratch: Buffer, buf: Buffer): boolean {
  const text = buf.toString('latin1', f.ks, f.ke);
  if (text.length === 0 || text.length % 4 !== 0 || !B64.test(text)) return false;
  const n = scratch.write(text, 0, 'base64');
  if (n === 0) return false;
  f.keyBuf = scratch;
  f.ks = 0;
  f.ke = n;
  return true;
}
