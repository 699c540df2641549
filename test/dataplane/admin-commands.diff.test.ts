// memcached's admin commands, byte for byte against Debian's memcached 1.6 started with the
// features off that this server does not have (FEATURES_OFF, ADR 0016).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeDifferential } from './diff-cases.ts';
import type { DiffCase } from './diff-cases.ts';
import { FEATURES_OFF, bothServers, exchange, normalize } from './harness.ts';
import { parseStats, statsOf } from './stats-text.ts';

const cases: DiffCase[] = [
  { name: 'slabs reassign and automove, good and bad arguments', send: ['slabs reassign 1 2\r\nslabs reassign x y\r\nslabs reassign 1 2 noreply\r\nslabs automove 0\r\nslabs automove 1\r\nslabs automove 2\r\nslabs automove 3\r\nslabs automove invalid\r\nslabs automove\r\nslabs automove 1 noreply\r\nslabs automove x noreply\r\nslabs automove ratio 0.5\r\nslabs automove ratio\r\nslabs automove ratio x y\r\nslabs\r\nslabs foo\r\nslabs foo bar\r\n'] },
  { name: 'lru tune, mode, temp_ttl', send: ['lru\r\nlru x\r\nlru tune 10 25 0.1 2.0\r\nlru tune 50 50 0.1 2.0\r\nlru tune 10 25 0 2.0\r\nlru tune x 1 1 1\r\nlru tune 1 2\r\nlru tune 10 25 0.1 2.0 noreply\r\nlru tune 10 25 1e-1 .5\r\nlru mode flat\r\nlru mode segmented\r\nlru temp_ttl 0\r\nlru noreply\r\n'] },
  { name: 'lru_crawler: bad arguments, sleep, tocrawl', send: ['lru_crawler crawl 99\r\nlru_crawler crawl 0\r\nlru_crawler crawl x\r\nlru_crawler crawl 1,x\r\nlru_crawler crawl\r\nlru_crawler crawl all noreply\r\nlru_crawler sleep 100\r\nlru_crawler sleep x\r\nlru_crawler sleep 2000000\r\nlru_crawler tocrawl 10\r\nlru_crawler tocrawl x\r\nlru_crawler x\r\nlru_crawler\r\nlru_crawler metadump 99\r\nlru_crawler metadump x\r\nlru_crawler metadump\r\nlru_crawler enable x\r\n'] },
  { name: 'lru_crawler crawl of all classes', send: ['lru_crawler crawl all\r\n'] },
  { name: 'lru_crawler crawl of a list of classes', send: ['lru_crawler crawl 1,2,63\r\n'] },
  { name: 'lru_crawler enable while enabled', send: ['lru_crawler enable\r\n'] },
  { name: 'lru_crawler metadump behind other commands', send: ['version\r\nlru_crawler metadump all\r\n'] },
  { name: 'watch is not allowed', send: ['watch\r\nwatch fetchers\r\nwatch x\r\n'] },
  { name: 'extstore settings without a storage file, refresh_certs without TLS', send: ['extstore\r\nextstore item_size\r\nextstore item_size x\r\nextstore item_size 5 noreply\r\nextstore item_age 10\r\nextstore free_memchunks 1 2\r\nextstore free_memchunks 64 2\r\nextstore free_memchunks 1\r\nextstore max_frag 0.5\r\nextstore max_frag x\r\nextstore drop_unread 1\r\nextstore bogus 1\r\nstats extstore\r\nrefresh_certs\r\nrefresh_certs noreply\r\n'] },
  { name: 'bget, the ancient get', send: ['set bg 3 0 2\r\nhi\r\n', 'bget bg nope\r\nbget\r\n'] },
  { name: 'cache_memlimit: bad and unchanged values', send: ['cache_memlimit 0\r\ncache_memlimit 7 noreply\r\ncache_memlimit 64\r\ncache_memlimit x\r\ncache_memlimit 2000000000\r\ncache_memlimit\r\ncache_memlimit 1 2 3\r\n'] },
  { name: 'stats detail', send: ['stats detail\r\nstats detail x\r\nstats detail on\r\nstats detail dump\r\nstats detail off\r\nstats detail dump\r\n'] },
  { name: 'stats sizes with the histogram off', send: ['stats sizes\r\nstats sizes_disable\r\n'] },
  {
    // Sizes whose 32-byte bucket is the same on both (memcached's items are 9 bytes larger: ADR 0016).
    name: 'stats sizes_enable: the histogram of the items stored since, until sizes_disable',
    send: ['set old 0 0 1\r\n1\r\nstats sizes_enable\r\nstats sizes\r\nstats sizes_enable\r\n', `set a 0 0 1\r\n1\r\nset b 0 0 19\r\n${'b'.repeat(19)}\r\nset c 0 0 99\r\n${'c'.repeat(99)}\r\nset d 0 0 49\r\n${'d'.repeat(49)}\r\n`, 'stats sizes\r\ndelete old\r\ndelete c\r\nstats sizes\r\ngets a\r\nstats sizes_disable\r\nstats sizes\r\n'],
  },
  { name: 'stats cachedump: bad arguments and empty classes', send: ['stats cachedump\r\nstats cachedump 1\r\nstats cachedump x 1\r\nstats cachedump 1 x\r\nstats cachedump 64 0\r\nstats cachedump 63 0\r\nstats cachedump 0 1\r\nstats cachedump 1 0\r\n'] },
  { name: 'stats cachedump of stored items, newest first, with a limit', send: ['set k1 0 0 1\r\n1\r\nset k2 0 2000000000 2\r\n22\r\nset k3 5 0 3\r\n333\r\n', 'stats cachedump 1 0\r\nstats cachedump 1 2\r\n'] },
];

describeDifferential('admin commands, byte for byte against memcached 1.6', cases, FEATURES_OFF);

/** metadump fields that follow each server's own clock and memory layout. */
function maskLayout(text: string): string {
  return text.replace(/ la=\d+/g, ' la=<t>').replace(/ size=\d+/g, ' size=<n>');
}

describe('lru_crawler against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF);
  const ports = () => [servers.real.port, servers.ours.port];

  it('metadump lists every live item of the classes asked for in memcached\'s format', async () => {
    const answers: string[] = [];
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\n']);
      await exchange(port, ['set plain 3 0 1\r\n1\r\nset a:b/c~d.e_f-g 0 2592001 2\r\n22\r\nset fetched 0 0 1\r\n1\r\nget fetched\r\nset gone 0 -1 1\r\n1\r\n']);
      // memcached refuses a metadump pipelined behind other commands: its own connection.
      answers.push(maskLayout(normalize((await exchange(port, ['lru_crawler metadump 1\r\n'])).bytes.toString('latin1'))));
    }
    assert.match(answers[0]!, /^key=plain exp=-1 la=<t> cas=\d+ fetch=no cls=1 size=<n>\n/, 'memcached\'s format (test premise)');
    assert.equal(answers[1], answers[0]);
  });

  it('crawl frees expired items and counts them as memcached\'s crawler does', async () => {
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\nstats reset\r\n']);
      await exchange(port, ['set e1 0 1 1\r\n1\r\nset e2 0 1 1\r\n1\r\nset live 0 0 1\r\n1\r\nget e1\r\n']);
    }
    await sleep(2100);
    const seen: Record<string, string | undefined>[] = [];
    for (const port of ports()) {
      assert.equal((await exchange(port, ['lru_crawler crawl 1\r\n'])).bytes.toString('latin1'), 'OK\r\nVERSION ' + (port === servers.real.port ? '1.6.18' : '1.6.18-ix') + '\r\n');
    }
    await sleep(300); // memcached crawls on its own thread
    for (const port of ports()) {
      const items = await statsOf(port, 'items');
      const general = await statsOf(port);
      const pick = ['number', 'reclaimed', 'expired_unfetched', 'crawler_reclaimed'];
      seen.push({ ...Object.fromEntries(pick.map((k) => [k, items.get(`items:1:${k}`)])), curr_items: general.get('curr_items'), crawler_reclaimed: general.get('crawler_reclaimed') });
    }
    assert.equal(seen[0]!.crawler_reclaimed, '2', 'memcached\'s crawler reclaimed e1 and e2 (test premise)');
    assert.deepEqual(seen[1], seen[0]);
  });

  it('a disabled crawler refuses crawls and dumps until enabled again', async () => {
    const answers: string[] = [];
    for (const port of ports()) {
      let text = (await exchange(port, ['lru_crawler disable\r\n'])).bytes.toString('latin1');
      await sleep(300); // memcached stops its crawler thread in the background
      for (const cmd of ['lru_crawler disable\r\n', 'lru_crawler crawl all\r\n', 'lru_crawler metadump all\r\n', 'lru_crawler enable\r\n', 'lru_crawler crawl 1\r\n']) {
        text += (await exchange(port, [cmd])).bytes.toString('latin1');
      }
      answers.push(normalize(text));
    }
    assert.match(answers[0]!, /^OK\r\n.*OK\r\n.*CLIENT_ERROR lru crawler disabled\r\n.*CLIENT_ERROR lru crawler disabled\r\n.*OK\r\n.*OK\r\n/s, 'memcached\'s answers (test premise)');
    assert.equal(answers[1], answers[0]);
  });

  it('a crawl asked for while one runs is BUSY; each crawl is one lru_crawler_starts, running while it runs', async () => {
    const seen: string[][] = [];
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\n', Array.from({ length: 5000 }, (_, i) => `set busy${i} 0 0 1\r\n1\r\n`).join('')]);
      const before = Number((await statsOf(port)).get('lru_crawler_starts'));
      const reply = (await exchange(port, ['lru_crawler crawl 1\r\nlru_crawler crawl 1\r\nstats\r\n'])).bytes.toString('latin1');
      const answers = reply.slice(0, reply.indexOf('STAT ')) + parseStats(reply).get('lru_crawler_running');
      await sleep(300); // both crawl on a thread of their own
      const afterOne = await statsOf(port);
      await exchange(port, ['lru_crawler crawl 1,2,3\r\n']);
      await sleep(300);
      const afterTwo = await statsOf(port);
      seen.push([answers, String(Number(afterOne.get('lru_crawler_starts')) - before), afterOne.get('lru_crawler_running')!,
        String(Number(afterTwo.get('lru_crawler_starts')) - before), afterTwo.get('crawler_items_checked')!]);
    }
    assert.deepEqual(seen[0]!.slice(0, 4), ['OK\r\nBUSY currently processing crawler request\r\n1', '1', '0', '2'], 'memcached\'s answers (test premise)');
    assert.deepEqual(seen[1], seen[0]);
  });

  it('lru_crawler tocrawl bounds the items a crawl looks at per class', async () => {
    const seen: (string | undefined)[][] = [];
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\nstats reset\r\n']);
      await exchange(port, [`${Array.from({ length: 20 }, (_, i) => `set tc${i} 0 1 1\r\n1\r\n`).join('')}lru_crawler tocrawl 7\r\n`]);
    }
    await sleep(2100);
    for (const port of ports()) await exchange(port, ['lru_crawler crawl 1\r\n']);
    await sleep(300);
    for (const port of ports()) {
      await exchange(port, ['lru_crawler tocrawl 0\r\n']);
      const items = await statsOf(port, 'items');
      seen.push(['crawler_items_checked', 'crawler_reclaimed', 'number'].map((k) => items.get(`items:1:${k}`)));
    }
    assert.equal(seen[0]![1], '7', 'memcached reclaimed 7 of the 20 (test premise)');
    assert.deepEqual(seen[1], seen[0]);
  });

  it('crawler_items_checked counts each item looked at', async () => {
    const checked: string[] = [];
    for (const port of ports()) {
      await exchange(port, ['flush_all\r\nstats reset\r\n']);
      await exchange(port, ['set c1 0 0 1\r\n1\r\nset c2 0 0 1\r\n1\r\n']);
      await exchange(port, ['lru_crawler crawl 1\r\n']);
    }
    await sleep(300);
    for (const port of ports()) checked.push(parseStats((await exchange(port, ['stats items\r\n'])).bytes.toString('latin1')).get('items:1:crawler_items_checked') ?? '');
    assert.equal(checked[1], checked[0]);
  });
});
