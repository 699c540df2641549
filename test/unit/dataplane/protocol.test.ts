import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tokens } from '../../../src/dataplane/protocol/tokens.ts';
import { parseFlags, parseI32, parseU64 } from '../../../src/dataplane/numbers.ts';
import { Driver } from './protocol-driver.ts';
import { handleRequest } from '../../../src/dataplane/protocol/request.ts';
import { COPY_BREAK } from '../../../src/dataplane/protocol/output.ts';
import { REFS } from '../../../src/dataplane/store/layout.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('Tokens', () => {
  it('splits on single spaces only, in place, and stops at a NUL like a C string', () => {
    const t = new Tokens();
    const buf = b('  get  a\tb c\0 ignored');
    t.tokenize(buf, 0, buf.length);
    assert.equal(t.count, 3);
    assert.deepEqual([0, 1, 2].map((i) => buf.toString('latin1', t.start[i], t.end[i])), ['get', 'a\tb', 'c']);
    assert.equal(t.rest, -1);
  });

  it('leaves the rest of a line unsplit after 23 tokens, like memcached', () => {
    const t = new Tokens();
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const buf = b(words.join(' '));
    t.tokenize(buf, 0, buf.length);
    assert.equal(t.count, 23);
    assert.equal(t.ntokens, 24);
    assert.equal(buf.toString('latin1', t.rest, t.lineEnd), words.slice(23).join(' '));
  });
});

describe('numbers with strtoul semantics', () => {
  const u = (s: string) => parseU64(b(s), 0, s.length);
  it('parses unsigned 64-bit values and refuses overflow and junk', () => {
    assert.equal(u('18446744073709551615'), 18446744073709551615n);
    assert.equal(u('18446744073709551616'), -1n);
    assert.equal(u('12abc'), -1n);
    assert.equal(u(''), -1n);
    assert.equal(u('-1'), -1n);
    assert.equal(u('-0'), 0n);
    assert.equal(u(' 7'), 7n);
  });
  it('flags wrap to 32 bits; int32 fields truncate like C', () => {
    assert.equal(parseFlags(b('4294967296'), 0, 10), 0);
    assert.equal(parseFlags(b('-1'), 0, 2), -1);
    assert.equal(parseI32(b('99999999999'), 0, 11), 1215752191);
    assert.equal(parseI32(b('-5'), 0, 2), -5);
    assert.ok(Number.isNaN(parseI32(b('5x'), 0, 2)));
  });
});

describe('protocol session', () => {
  it('waits for a request split anywhere, then answers it once', () => {
    const d = new Driver();
    const req = 'set k 1 0 5\r\nhello\r\nget k\r\n';
    let out = '';
    for (const ch of req) out += d.feed(ch);
    assert.equal(out, 'STORED\r\nVALUE k 1 5\r\nhello\r\nEND\r\n');
  });

  it('answers a get of a value past the copy break with a view of store memory (no copy) and a reference to release', () => {
    const d = new Driver();
    const value = 'v'.repeat(COPY_BREAK);
    d.feed(`set k 0 0 ${value.length}\r\n${value}\r\n`);
    const buf = b('get k\r\n');
    assert.equal(handleRequest(d.session, buf, 0), buf.length);
    const { chunks, refs } = d.session.out.take();
    assert.equal(refs.length, 1);
    const view = chunks.find((c) => c.buffer === d.store.shared.memory);
    assert.ok(view, 'the value is a view of the shared store memory');
    assert.equal(view.toString(), `${value}\r\n`);
    d.store.release(refs[0]!);
  });

  it('copies a small value into the batch and releases its reference at once (copy break)', () => {
    const d = new Driver();
    d.feed('set k 0 0 3\r\nabc\r\n');
    const buf = b('get k\r\n');
    assert.equal(handleRequest(d.session, buf, 0), buf.length);
    const { chunks, refs } = d.session.out.take();
    assert.deepEqual(refs, []);
    assert.ok(!chunks.some((c) => c.buffer === d.store.shared.memory), 'no view of store memory');
    assert.equal(Buffer.concat(chunks).toString(), 'VALUE k 0 3\r\nabc\r\nEND\r\n');
    // Only the index holds the item now: the batch kept no reference.
    const key = b('k');
    const ref = d.store.findLive(d.store.hash(key, 0, 1), key, 0, 1, d.store.now());
    assert.equal(Atomics.load(d.store.i32, ref * 2 + REFS), 1);
  });

  it('meta set with E sets the CAS unique (memcached 1.6.21+)', () => {
    const d = new Driver();
    assert.equal(d.feed('ms e 1 E999 c\r\nx\r\nmg e c v\r\n'), 'HD c999\r\nVA 1 c999\r\nx\r\n');
  });

  it('meta append with N creates a missing item with the vivify TTL', () => {
    const d = new Driver();
    const now = d.store.now();
    d.store.now = () => now;
    assert.equal(d.feed('ms av 2 MA N100\r\nhi\r\nmg av v t\r\nms av 2 MA N100\r\nyo\r\nmg av v\r\n'), 'HD\r\nVA 2 t100\r\nhi\r\nHD\r\nVA 4\r\nhiyo\r\n');
  });

  it('quit answers what came before and stops', () => {
    const d = new Driver();
    assert.equal(d.feed('version\r\nquit\r\nversion\r\n'), 'VERSION test\r\n');
    assert.ok(d.closed);
  });

  it('closes on more than 2048 bytes without a newline, but waits for a long get line', () => {
    const d = new Driver();
    assert.equal(d.feed('x'.repeat(2049)), '');
    assert.ok(d.closed);
    const g = new Driver();
    g.feed(`get ${'k '.repeat(2000)}`);
    assert.ok(!g.closed);
    assert.equal(g.feed('\r\n'), 'END\r\n');
  });

  it('answers a too-large value at once and skips its data, however it arrives', () => {
    const d = new Driver();
    assert.equal(d.feed('set big 0 0 2000000\r\n'), 'SERVER_ERROR object too large for cache\r\n');
    for (let i = 0; i < 20; i++) assert.equal(d.feed(Buffer.alloc(100_000, 'x')), '');
    assert.equal(d.feed('\r\nversion\r\n'), 'VERSION test\r\n');
  });
});

describe('stats', () => {
  it('general, settings, items and slabs answer STAT lines and END', () => {
    const d = new Driver();
    d.feed('set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget a zz\r\n');
    const general = d.feed('stats\r\n');
    assert.match(general, /STAT curr_items 2\r\n/);
    assert.match(general, /STAT get_hits 1\r\n/);
    assert.match(general, /STAT get_misses 1\r\n/);
    assert.match(general, /STAT cmd_set 2\r\n/);
    assert.match(general, /END\r\n$/);
    assert.match(d.feed('stats settings\r\n'), /STAT maxbytes 2097152\r\n(.*\r\n)*STAT item_size_max 1048576\r\n(.*\r\n)*END\r\n$/);
    assert.match(d.feed('stats items\r\n'), /^STAT items:1:number 2\r\nSTAT items:1:age \d+\r\nSTAT items:1:mem_requested \d+\r\n(STAT items:1:[a-z_]+ \d+\r\n)+END\r\n$/);
    assert.match(d.feed('stats slabs\r\n'), /^STAT 1:chunk_size 96\r\n(STAT .*\r\n)*STAT 1:used_chunks 2\r\n(STAT .*\r\n)*STAT active_slabs 1\r\nSTAT total_malloced 1048576\r\nEND\r\n$/);
    assert.equal(d.feed('stats reset\r\n'), 'RESET\r\n');
    assert.match(d.feed('stats\r\n'), /STAT get_hits 0\r\n(.*\r\n)*STAT curr_items 2\r\n/);
  });
});
