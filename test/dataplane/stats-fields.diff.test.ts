// Every `stats` sub-command against Debian's memcached 1.6 started with the features off that this
// server does not have (FEATURES_OFF): the same field names in the same order, less the ones ADR
// 0016 leaves out, and the same values where both servers must agree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURES_OFF, bothServers, exchange, oursLike, startMemcached, startOurs } from './harness.ts';
import type { RealMemcached } from './harness.ts';
import type { DataplaneServer } from '../../src/dataplane/server.ts';
import { GENERAL_LEFT_OUT, SETTINGS_LEFT_OUT, SETTINGS_OURS_ONLY, statsOf } from './stats-text.ts';

/** Settings that follow each server's own start options or build. */
const SETTINGS_OWN = ['tcpport', 'num_threads', 'num_threads_per_udp', 'reqs_per_event', 'hashpower_init', 'hash_algorithm', 'slab_chunk_max'];

const names = (m: Map<string, string>) => [...m.keys()];
const pick = (m: Map<string, string>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, m.get(k)]));

/** Small items only: both servers put them in slab class 1 (96-byte chunks). */
const CLASS1_SEQUENCE = [
  'set a 0 0 1\r\n1\r\nset b 0 0 2\r\n22\r\nset n 0 0 1\r\n5\r\nset gone 0 0 1\r\n1\r\n',
  'get a b zz\r\ngets a\r\ngat 100 b\r\ntouch a 100\r\ntouch zz 1\r\nincr n 2\r\ndecr n 1\r\nincr n x\r\ndelete gone\r\ndelete gone\r\n',
  'gets b\r\ncas b 0 0 1 999999\r\n3\r\nappend a 0 0 1\r\n9\r\nprepend zz 0 0 1\r\n1\r\nmg a v\r\nmd b q\r\nmn\r\n',
];

describe('stats sub-commands against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF);
  const both = () => [servers.real.port, servers.ours.port] as const;

  async function runOnBoth(chunks: string[]): Promise<void> {
    for (const port of both()) {
      await exchange(port, ['flush_all\r\nstats reset\r\n']);
      await exchange(port, chunks);
    }
  }

  it('stats: the same field names in the same order, less memcached\'s internals', async () => {
    const [want, got] = await Promise.all(both().map((p) => statsOf(p)));
    assert.deepEqual(names(got!), names(want!).filter((n) => !GENERAL_LEFT_OUT.includes(n)));
  });

  it('stats settings: the same names in the same order, and the same values for the same setting', async () => {
    for (const port of both()) await exchange(port, ['lru_crawler sleep 250\r\nslabs automove 0\r\nstats detail on\r\nverbosity 1\r\n']);
    const [want, got] = await Promise.all(both().map((p) => statsOf(p, 'settings')));
    for (const port of both()) await exchange(port, ['lru_crawler sleep 100\r\nslabs automove 1\r\nstats detail off\r\nverbosity 0\r\n']);
    assert.deepEqual(names(got!).filter((n) => !SETTINGS_OURS_ONLY.includes(n)), names(want!).filter((n) => !SETTINGS_LEFT_OUT.test(n)));
    const shared = names(got!).filter((n) => !SETTINGS_OURS_ONLY.includes(n) && !SETTINGS_OWN.includes(n));
    assert.deepEqual(pick(got!, shared), pick(want!, shared));
    assert.equal(want!.get('lru_crawler_sleep'), '250', 'memcached shows what was set (test premise)');
  });

  it('stats slabs: the same fields and values for a class both servers fill alike', async () => {
    await runOnBoth(CLASS1_SEQUENCE);
    const [want, got] = await Promise.all(both().map((p) => statsOf(p, 'slabs')));
    assert.deepEqual(names(got!), names(want!), 'one class, the same fields in the same order');
    assert.deepEqual(Object.fromEntries(got!), Object.fromEntries(want!));
    assert.notEqual(want!.get('1:get_hits'), '0', 'the sequence counted hits (test premise)');
  });

  it('stats items: the same fields, and the same counts where they do not follow the item layout', async () => {
    await runOnBoth(CLASS1_SEQUENCE);
    const [want, got] = await Promise.all(both().map((p) => statsOf(p, 'items')));
    assert.deepEqual(names(got!), names(want!));
    // mem_requested adds up each server's own item sizes; age is the clock's.
    const comparable = names(want!).filter((n) => !/:(mem_requested|age)$/.test(n));
    assert.deepEqual(pick(got!, comparable), pick(want!, comparable));
  });
});

describe('eviction counters against memcached 1.6, both at 2 MiB', () => {
  const servers = {} as { real: RealMemcached; ours: DataplaneServer };
  before(async () => {
    servers.real = await startMemcached([...FEATURES_OFF, '-m', '2']);
    servers.ours = await startOurs({ ...oursLike(FEATURES_OFF), memoryLimitMiB: 2 });
  });
  after(async () => {
    await servers.real?.stop();
    await servers.ours?.close();
  });

  it('the fifth item of 400 KB evicts the first, counted alike in stats and stats items', async () => {
    // Below memcached's 512 KB slab_chunk_max, so that it does not chunk them; two to a page on both.
    const big = 'y'.repeat(400 * 1024);
    const set = (k: string, ttl: number) => `set ${k} 0 ${ttl} ${big.length}\r\n${big}\r\n`;
    const seen = [];
    for (const port of [servers.real.port, servers.ours.port]) {
      await exchange(port, [set('e1', 100), set('e2', 0), 'get e2\r\n', set('e3', 0), set('e4', 0), set('e5', 0)]);
      const items = await statsOf(port, 'items');
      const general = await statsOf(port);
      const cls = [...items.keys()].find((k) => k.endsWith(':evicted') && items.get(k) !== '0')?.split(':')[1];
      const fields = ['number', 'evicted', 'evicted_nonzero', 'evicted_unfetched', 'outofmemory', 'reclaimed'];
      seen.push({ ...pick(general, ['evictions', 'curr_items', 'evicted_unfetched']), ...Object.fromEntries(fields.map((f) => [f, items.get(`items:${cls}:${f}`)])) });
    }
    assert.equal(seen[0]!.evictions, '1', 'memcached evicted e1 (test premise)');
    assert.deepEqual(seen[1], seen[0]);
  });
});
