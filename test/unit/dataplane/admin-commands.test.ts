// What this server answers differently from memcached in the admin commands and stats sub-commands,
// deliberately (ADR 0016), and the crawl and dump commands on a store with a test clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LruCrawler } from '../../../src/dataplane/store/lru-crawler.ts';
import { Driver } from './protocol-driver.ts';

describe('admin commands without a counterpart in this store', () => {
  it('cache_memlimit cannot change the memory the store was sized with, but accepts its own size', () => {
    const d = new Driver();
    assert.equal(d.feed('cache_memlimit 100\r\n'), 'MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n');
    assert.equal(d.feed('cache_memlimit 2\r\n'), 'MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n');
    assert.equal(d.feed('cache_memlimit 100 noreply\r\n'), '');
  });

  it('stats detail keeps the switch (shown in stats settings) and counts per prefix while on', () => {
    const d = new Driver();
    assert.equal(d.feed('stats detail on\r\n'), 'OK\r\n');
    assert.match(d.feed('stats settings\r\n'), /STAT detail_enabled yes\r\n/);
    assert.equal(d.feed('set p:k 0 0 1\r\n1\r\nget p:k\r\nstats detail dump\r\n'), 'STORED\r\nVALUE p:k 0 1\r\n1\r\nEND\r\nPREFIX p get 1 hit 1 set 1 del 0\r\nEND\r\n');
    assert.equal(d.feed('stats detail off\r\n'), 'OK\r\n');
    assert.match(d.feed('stats settings\r\n'), /STAT detail_enabled no\r\n/);
  });

  it('stats conns without a connection table (no server) lists none; stats sizes while the histogram is off and on', () => {
    const d = new Driver();
    assert.equal(d.feed('stats conns\r\n'), 'END\r\n');
    assert.equal(d.feed('stats sizes\r\n'), 'STAT sizes_status disabled\r\nEND\r\n');
    d.feed('set before 0 0 1\r\n1\r\n');
    assert.equal(d.feed('stats sizes_enable\r\n'), 'STAT sizes_status enabled\r\n');
    assert.equal(d.feed('stats sizes\r\n'), 'END\r\n', 'items stored before are left out');
    // 48-byte header, key, value and CRLF: 52 and 150 bytes, in the 64- and 160-byte buckets.
    assert.equal(d.feed(`set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nset c 0 0 99\r\n${'x'.repeat(99)}\r\ndelete before\r\n`), 'STORED\r\nSTORED\r\nSTORED\r\nDELETED\r\n');
    assert.equal(d.feed('stats sizes\r\n'), 'STAT 64 2\r\nSTAT 160 1\r\nEND\r\n');
    assert.equal(d.feed('delete a\r\nstats sizes\r\n'), 'DELETED\r\nSTAT 64 1\r\nSTAT 160 1\r\nEND\r\n');
    assert.equal(d.feed('stats sizes_disable\r\nstats sizes\r\n'), 'STAT sizes_status disabled\r\nSTAT sizes_status disabled\r\nEND\r\n');
  });
});

describe('lru_crawler on the store', () => {
  it('crawl frees expired and flushed items anywhere in the LRU, not only at its tail', async () => {
    const d = new Driver();
    let t = 1_800_000_000;
    d.store.now = () => t;
    d.feed('set old 0 0 1\r\n1\r\nset exp 0 10 1\r\n1\r\nset new 0 0 1\r\n1\r\n');
    t += 20;
    assert.equal(d.feed('lru_crawler crawl 1\r\n'), 'OK\r\n');
    assert.equal(d.feed('lru_crawler crawl 1\r\n'), 'BUSY currently processing crawler request\r\n', 'until the crawl asked for has run');
    assert.equal(d.feed('lru_crawler metadump 1\r\n'), 'BUSY currently processing crawler request\r\n', 'a metadump too');
    await new LruCrawler(d.store, { auto: false }).crawlRequested();
    const items = d.feed('stats items\r\n');
    assert.match(items, /STAT items:1:number 2\r\n/);
    assert.match(items, /STAT items:1:crawler_reclaimed 1\r\n/);
    assert.match(items, /STAT items:1:crawler_items_checked 3\r\n/);
    assert.match(items, /STAT items:1:expired_unfetched 1\r\n/);
    assert.match(d.feed('stats\r\n'), /STAT lru_crawler_starts 1\r\n/);
  });

  it('metadump lists live items oldest first with absolute times, URI-encoded keys, and END', () => {
    const d = new Driver();
    const t = 1_800_000_000;
    d.store.now = () => t;
    d.feed('set k\u00e9y 0 100 1\r\n1\r\nset plain 0 0 2\r\n22\r\nget plain\r\nset gone 0 -1 1\r\n1\r\n');
    const dump = d.feed('lru_crawler metadump all\r\n');
    assert.match(dump, new RegExp(`^key=k%E9y exp=${t + 100} la=${t} cas=1 fetch=no cls=1 size=\\d+\\nkey=plain exp=-1 la=${t} cas=2 fetch=yes cls=1 size=\\d+\\nEND\\r\\n$`));
  });
});
