// Expired items are reclaimed when memory is needed, counted as memcached counts them: the issue's
// scenario (ten 66 KB items with a 2 s TTL, a wait, ten more) against Debian's memcached without
// its LRU maintainer (and ours without automatic crawls), which reclaims only then. And in the
// background, against memcached as it starts by default: expired and flushed items that nothing
// touches leave curr_items on both (memcached's maintainer frees them from the LRU tails, counted
// as reclaimed; ours are found by the LRU crawler, counted as crawler_reclaimed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FEATURES_OFF, bothServers, exchange } from './harness.ts';
import { statsOf } from './stats-text.ts';

const VALUE = 'x'.repeat(66 * 1024);
const sets = (prefix: string, ttl: number) => Array.from({ length: 10 }, (_, i) => `set ${prefix}${i} 0 ${ttl} ${VALUE.length}\r\n${VALUE}\r\n`).join('');

/** The slab class holding the 66 KB items: the one whose chunks are larger than 66 KB and that has pages. */
function bigClass(slabs: Map<string, string>): { pages: string; used: string } {
  for (const [k, v] of slabs) {
    const m = /^(\d+):chunk_size$/.exec(k);
    if (m && Number(v) > VALUE.length) return { pages: slabs.get(`${m[1]}:total_pages`)!, used: slabs.get(`${m[1]}:used_chunks`)! };
  }
  throw new Error('no slab class holds the 66 KB items');
}

describe('expired items reclaimed when memory is needed, against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF);

  it('ten expired 66 KB items make room for ten new ones: one page, reclaimed 10', async () => {
    const ports = [servers.real.port, servers.ours.port];
    for (const port of ports) {
      const r = await exchange(port, [sets('a', 2)]);
      assert.equal(r.bytes.toString('latin1').match(/STORED\r\n/g)?.length, 10);
    }
    await sleep(4000);
    const seen: Record<string, string | undefined>[] = [];
    for (const port of ports) {
      await exchange(port, [sets('b', 0)]);
      const general = await statsOf(port);
      const pick = ['reclaimed', 'expired_unfetched', 'evictions', 'evicted_unfetched', 'curr_items', 'total_items'];
      seen.push({ ...Object.fromEntries(pick.map((k) => [k, general.get(k)])), ...bigClass(await statsOf(port, 'slabs')) });
    }
    const [want, got] = seen;
    assert.equal(want!.reclaimed, '10', 'memcached reclaimed the ten (test premise)');
    assert.deepEqual(got, want);
  });
});

/** curr_items of both servers, read every 100 ms until both are `want` or `ms` have passed. */
async function currItemsUntil(ports: number[], want: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const seen = await Promise.all(ports.map(async (p) => (await statsOf(p)).get('curr_items') ?? ''));
    if (seen.every((v) => v === want) || Date.now() > deadline) return seen;
    await sleep(100);
  }
}

describe('expired and flushed items reclaimed in the background, against memcached 1.6', () => {
  const servers = bothServers();
  const ports = () => [servers.real.port, servers.ours.port];

  it('items with a 1-2 s TTL leave curr_items without being touched', async () => {
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\n']);
      await exchange(port, [Array.from({ length: 20 }, (_, i) => `set bg${i} 0 ${1 + (i % 2)} 1\r\n1\r\n`).join('')]);
    }
    const before = await Promise.all(ports().map(async (p) => (await statsOf(p)).get('curr_items')));
    assert.deepEqual(before, ['20', '20'], 'both hold the items at first');
    // memcached's maintainer runs about once a second; ours crawls again when the TTLs seen are up.
    assert.deepEqual(await currItemsUntil(ports(), '0', 8000), ['0', '0']);
    const ours = await statsOf(servers.ours.port);
    assert.equal(ours.get('crawler_reclaimed'), '20', 'found by our crawler');
    assert.notEqual(ours.get('lru_crawler_starts'), '0');
  });

  it('flushed items leave curr_items without being touched', async () => {
    for (const port of ports()) await exchange(port, [`${Array.from({ length: 20 }, (_, i) => `set fl${i} 0 0 1\r\n1\r\n`).join('')}flush_all\r\n`]);
    assert.deepEqual(await currItemsUntil(ports(), '0', 5000), ['0', '0']);
  });
});
