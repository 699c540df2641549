// fast-check fuzzing of the request parser: random and garbage input never throws, never stalls,
// and the session always gets back in step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Driver } from './protocol-driver.ts';

const COMMANDS = ['get', 'gets', 'gat', 'gats', 'set', 'add', 'replace', 'append', 'prepend', 'cas', 'incr', 'decr',
  'touch', 'delete', 'flush_all', 'stats', 'version', 'verbosity', 'mg', 'ms', 'md', 'ma', 'mn', 'me', 'quit'];

/** Lines made of command names, numbers, flags and junk: closer to what breaks parsers than random bytes alone. */
const tokenArb = fc.oneof(
  fc.constantFrom(...COMMANDS),
  fc.constantFrom('0', '1', '-1', '99999999999', '18446744073709551616', 'noreply', 'v', 'k', 'q', 'T1', 'N5', 'MA', 'b', 'O1', 'C0', 'D2'),
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')),
);
const lineArb = fc.array(tokenArb, { maxLength: 8 }).chain((toks) =>
  fc.constantFrom(' ', '  ').chain((sep) => fc.constantFrom('\r\n', '\n', '', '\r').map((end) => toks.join(sep) + end)));
const inputArb = fc.oneof(
  fc.array(lineArb, { maxLength: 12 }).map((ls) => Buffer.from(ls.join(''), 'latin1')),
  fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
);
/** Where to cut the input into reads. */
const cutsArb = fc.array(fc.nat(), { maxLength: 6 });

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length ? c % buf.length : 0)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(buf.subarray(last, p));
    last = p;
  }
  parts.push(buf.subarray(last));
  return parts;
}

describe('parser fuzzing', () => {
  it('never throws on any input cut anywhere, and always gets back in step', () => {
    fc.assert(fc.property(inputArb, cutsArb, (input, cuts) => {
      const d = new Driver();
      for (const part of splitAt(input, cuts)) d.feed(part);
      if (d.closed) return; // memcached hangs up on such input too (quit, HTTP, overlong line)
      // Whatever state the garbage left: finish a data block being skipped or awaited, end the
      // current line, and the next command is answered.
      const s = d.session;
      const settle = () => {
        if (s.swallow > 0) d.feed(Buffer.alloc(s.swallow, 'x'));
        if (s.needBytes > 0) d.feed(Buffer.alloc(s.needBytes, 'x'));
        d.feed('\r\n');
      };
      settle();
      if (d.closed) return;
      // The line just ended may itself open a data block (a storage command cut before its CRLF).
      settle();
      if (d.closed) return;
      const out = d.feed('version\r\n');
      assert.match(out, /VERSION test\r\n$/);
    }), { numRuns: 1500 });
  });

  it('answers the same whether input arrives whole or in pieces', () => {
    fc.assert(fc.property(fc.array(lineArb, { maxLength: 10 }), cutsArb, (lines, cuts) => {
      const input = Buffer.from(`${lines.join('')}\r\n`, 'latin1');
      const whole = new Driver();
      const pieces = new Driver();
      // One clock for both, so TTL answers cannot differ by a second boundary.
      const now = whole.store.now();
      whole.store.now = () => now;
      pieces.store.now = () => now;
      const a = whole.feed(input);
      let b = '';
      for (const part of splitAt(input, cuts)) b += pieces.feed(part);
      // CPU time in `stats` moves between the two runs; nothing else may differ.
      const mask = (x: string) => x.replace(/STAT rusage_\w+ [^\r]*/g, 'STAT rusage');
      assert.equal(mask(b), mask(a));
    }), { numRuns: 800 });
  });
});
