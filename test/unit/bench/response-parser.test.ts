import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../../bench/loadgen/response-parser.ts';
import type { ResponseKind } from '../../../bench/loadgen/response-parser.ts';

const STREAM = [
  'VALUE k0000001 0 5\r\nhello\r\nEND\r\n',
  'END\r\n',
  'STORED\r\n',
  // A value that contains what looks like protocol lines must be skipped by length, not parsed.
  'VALUE k2 7 13\r\nEND\r\nSTORED\r\n\r\nEND\r\n',
  'VALUE a 0 1 99\r\nx\r\nVALUE b 0 0\r\n\r\nEND\r\n',
  'NOT_STORED\r\n',
  'EXISTS\r\n',
  'NOT_FOUND\r\n',
  'DELETED\r\n',
  'ERROR\r\n',
  'CLIENT_ERROR bad data chunk\r\n',
  'SERVER_ERROR out of memory storing object\r\n',
].join('');
const EXPECTED: ResponseKind[] = ['hit', 'miss', 'stored', 'hit', 'hit', 'not_stored', 'exists', 'not_found', 'deleted', 'error', 'error', 'error'];

function parse(chunks: Buffer[]): ResponseKind[] {
  const seen: ResponseKind[] = [];
  const p = new ResponseParser((k) => seen.push(k));
  for (const c of chunks) p.push(c);
  assert.ok(p.idle, 'parser left a response half-read');
  return seen;
}

describe('ResponseParser', () => {
  it('classifies every kind of response in one chunk', () => {
    assert.deepEqual(parse([Buffer.from(STREAM, 'latin1')]), EXPECTED);
  });

  it('gives the same answers however the stream is split (every split point, one byte at a time)', () => {
    const all = Buffer.from(STREAM, 'latin1');
    for (let cut = 1; cut < all.length; cut++) {
      assert.deepEqual(parse([all.subarray(0, cut), all.subarray(cut)]), EXPECTED, `split at ${cut}`);
    }
    assert.deepEqual(parse([...all].map((b) => Buffer.from([b]))), EXPECTED);
  });

  it('reports nothing until a response is complete', () => {
    const seen: ResponseKind[] = [];
    const p = new ResponseParser((k) => seen.push(k));
    p.push(Buffer.from('VALUE k 0 3\r\nab'));
    p.push(Buffer.from('c\r\nEN'));
    assert.deepEqual(seen, []);
    assert.equal(p.idle, false);
    p.push(Buffer.from('D\r\n'));
    assert.deepEqual(seen, ['hit']);
  });

  it('passes error lines on, so a report can say what the errors were', () => {
    const lines: (string | undefined)[] = [];
    const p = new ResponseParser((_k, line) => lines.push(line));
    p.push(Buffer.from('STORED\r\nSERVER_ERROR out of memory\r\nERROR\r\n'));
    assert.deepEqual(lines, [undefined, 'SERVER_ERROR out of memory', 'ERROR']);
  });

  it('rejects what memcached never sends', () => {
    assert.throws(() => new ResponseParser(() => {}).push(Buffer.from('HELLO\r\n')), /unexpected response line/);
    assert.throws(() => new ResponseParser(() => {}).push(Buffer.from('STORED\n')), /malformed/);
    assert.throws(() => new ResponseParser(() => {}).push(Buffer.from('VALUE k 0 x\r\n')), /malformed VALUE/);
    assert.throws(() => new ResponseParser(() => {}).push(Buffer.alloc(10_000, 'a')), /longer than/);
  });
});
