// Expired items are reclaimed when memory is needed, counted as memcached counts them: the issue's
// scenario (ten 66 KB items with a 2 s TTL, a wait, ten more) against Debian's memcached.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { bothServers, exchange } from './harness.ts';
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

describe('expired items reclaimed, against memcached 1.6', () => {
  const servers = bothServers();

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
