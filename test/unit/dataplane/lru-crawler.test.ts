// The LRU crawler on a store with test clocks: bounded slices that resume where they stopped, the
// schedule it keeps for itself, and background reclaim of expired and flushed items.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRAWL_SLICE, LruCrawler, nextWaitMs } from '../../../src/dataplane/store/lru-crawler.ts';
import { TTL_BUCKETS } from '../../../src/dataplane/store/store.ts';
import { NONE } from '../../../src/dataplane/store/layout.ts';
import { Driver } from './protocol-driver.ts';

function driverAt(t: { now: number }): Driver {
  const d = new Driver();
  d.store.now = () => t.now;
  return d;
}

const sets = (prefix: string, n: number, ttl: number) => Array.from({ length: n }, (_, i) => `set ${prefix}${i} 0 ${ttl} 1\r\n1\r\n`).join('');

async function until(what: string, f: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const stat = (d: Driver, line: string, name: string) => new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(d.feed(line))?.[1];

describe('LRU crawler', () => {
  it('crawls a class in slices of at most CRAWL_SLICE items, each going on where the last stopped', () => {
    const t = { now: 1_800_000_000 };
    const d = driverAt(t);
    d.feed(sets('k', 1000, 10));
    t.now += 20;
    const cursor = { ref: NONE, cas: 0n };
    const slices: number[] = [];
    for (let done = false; !done;) {
      const r = d.store.crawlSlice(0, cursor, CRAWL_SLICE);
      slices.push(r.checked);
      done = r.done;
    }
    assert.deepEqual(slices, [250, 250, 250, 250]);
    assert.equal(stat(d, 'stats\r\n', 'curr_items'), '0');
    assert.equal(stat(d, 'stats\r\n', 'crawler_reclaimed'), '1000');
  });

  it('goes back to the tail when the item it was to go on with is gone', () => {
    const t = { now: 1_800_000_000 };
    const d = driverAt(t);
    d.feed(sets('k', 10, 0));
    const cursor = { ref: NONE, cas: 0n };
    assert.equal(d.store.crawlSlice(0, cursor, 4).checked, 4);
    // k4 is next (the tail is the oldest, k0); deleting it loses the cursor.
    d.feed('delete k4\r\n');
    const r = d.store.crawlSlice(0, cursor, 100);
    assert.deepEqual([r.checked, r.done], [9, true]);
  });

  it('waits until 1% of the items with a TTL, and one more, will have expired, between 1 and 60 s', () => {
    const ttl = new Uint32Array(TTL_BUCKETS);
    assert.equal(nextWaitMs(ttl), 60_000, 'nothing will expire');
    ttl[TTL_BUCKETS - 1] = 1000;
    assert.equal(nextWaitMs(ttl), 60_000, 'items without a TTL never make a crawl worth it');
    ttl[2] = 1;
    assert.equal(nextWaitMs(ttl), 3000);
    ttl[TTL_BUCKETS - 2] = 300; // 301 with a TTL: 4 must have expired
    ttl[5] = 2;
    ttl[9] = 1;
    assert.equal(nextWaitMs(ttl), 10_000);
  });

  it('reclaims expired items in the background, on the schedule their TTLs set', async () => {
    const t = { now: 1_800_000_000 };
    const mono = { now: 0 };
    const d = driverAt(t);
    d.feed(sets('e', 5, 2) + sets('live', 3, 0));
    const crawler = new LruCrawler(d.store, { auto: true, now: () => mono.now }).start();
    try {
      // Crawled at once (every class is due at the start), nothing dead yet.
      await until('the first crawl', () => stat(d, 'stats\r\n', 'crawler_items_checked') === '8');
      assert.equal(stat(d, 'stats\r\n', 'lru_crawler_starts'), '1');
      t.now += 3;
      mono.now += 3000;
      await until('the expired items reclaimed', () => stat(d, 'stats\r\n', 'curr_items') === '3');
      assert.equal(stat(d, 'stats\r\n', 'crawler_reclaimed'), '5');
      assert.equal(stat(d, 'stats\r\n', 'lru_crawler_starts'), '2');
    } finally {
      await crawler.stop();
    }
  });

  it('reclaims flushed items once the flush has taken effect, and stops while disabled', async () => {
    const t = { now: 1_800_000_000 };
    const mono = { now: 0 };
    const d = driverAt(t);
    d.feed(sets('f', 4, 0));
    const crawler = new LruCrawler(d.store, { auto: true, now: () => mono.now }).start();
    try {
      await until('the first crawl', () => stat(d, 'stats\r\n', 'lru_crawler_starts') === '1');
      d.feed('lru_crawler disable\r\n');
      d.feed('flush_all\r\n');
      await sleep(1200); // past the crawler's longest idle sleep
      assert.equal(stat(d, 'stats\r\n', 'curr_items'), '4', 'a disabled crawler does not crawl');
      d.feed('lru_crawler enable\r\n');
      await until('the flushed items reclaimed', () => stat(d, 'stats\r\n', 'curr_items') === '0');
      assert.equal(stat(d, 'stats\r\n', 'crawler_reclaimed'), '4');
    } finally {
      await crawler.stop();
    }
  });

  it('crawls no more than lru_crawler tocrawl items of a class per run', async () => {
    const t = { now: 1_800_000_000 };
    const d = driverAt(t);
    d.feed(`${sets('k', 20, 1)}lru_crawler tocrawl 7\r\n`);
    t.now += 5;
    assert.equal(d.feed('lru_crawler crawl 1\r\n'), 'OK\r\n');
    await new LruCrawler(d.store, { auto: false }).crawlRequested();
    assert.equal(stat(d, 'stats items\r\n', 'items:1:crawler_items_checked'), '7');
    assert.equal(stat(d, 'stats\r\n', 'curr_items'), '13');
  });
});
