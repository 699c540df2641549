// A multi-key retrieval with a bad key answers only the error line, byte for byte as memcached
// 1.6 does, whatever hits came before it in the list; the keys before it still count as fetched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bothServers, exchange, normalize } from './harness.ts';
import { statsOf } from './stats-text.ts';

const K251 = 'k'.repeat(251);
const BIG = 'v'.repeat(2000); // large enough to be sent from store memory, not copied
const SEED = `set a 1 0 1\r\nA\r\nset b 2 0 3\r\nBBB\r\nset big 3 0 ${BIG.length}\r\n${BIG}\r\n`;
const MANY = Array.from({ length: 30 }, (_, i) => `m${i}`);
const SEED_MANY = MANY.map((k) => `set ${k} 0 0 1\r\n1\r\n`).join('');

// The items are stored over a connection of their own first: memcached also drops earlier
// commands' replies not yet sent when a get fails this way (ADR 0005), and so does a second get
// in the same write.
const cases: { name: string; seed: string; send: string }[] = [
  { name: 'get: hits before a too-long key', seed: SEED, send: `get a b ${K251}\r\n` },
  { name: 'gets: hits before a too-long key, and keys after it', seed: SEED, send: `gets a b ${K251} a big\r\n` },
  { name: 'get: a large value before a too-long key', seed: SEED, send: `get big ${K251}\r\n` },
  { name: 'gat: hits before a too-long key', seed: SEED, send: `gat 100 a b ${K251}\r\n` },
  { name: 'gats: a large value before a too-long key', seed: SEED, send: `gats 100 big ${K251}\r\n` },
  { name: 'the too-long key first', seed: SEED, send: `get ${K251} a\r\n` },
  { name: 'a too-long key beyond the token limit', seed: SEED_MANY, send: `get ${MANY.join(' ')} ${K251}\r\n` },
  { name: 'gets: a too-long key beyond the token limit, keys after it', seed: SEED_MANY, send: `gets ${MANY.join(' ')} ${K251} m1\r\n` },
];

describe('multi-key retrieval with a bad key, byte for byte against memcached 1.6', () => {
  const servers = bothServers();

  for (const c of cases) {
    it(c.name, async () => {
      const answers = [];
      for (const port of [servers.real.port, servers.ours.port]) {
        await exchange(port, ['flush_all\r\n', c.seed]);
        answers.push(normalize((await exchange(port, [c.send])).bytes.toString('latin1')));
      }
      assert.equal(answers[0], 'CLIENT_ERROR bad command line format\r\nVERSION <version>\r\n', 'memcached answers the error alone (test premise)');
      assert.equal(answers[1], answers[0]);
    });
  }
});

describe('multi-key retrieval with a bad key: counters against memcached 1.6', () => {
  const servers = bothServers();

  it('counts the lookups made before the bad key, as memcached does', async () => {
    const names = ['cmd_get', 'get_hits', 'get_misses', 'cmd_touch', 'touch_hits', 'touch_misses'];
    const pick = async (port: number) => {
      await exchange(port, ['stats reset\r\n', SEED, `get a nope b ${K251} a\r\n`, `gat 0 nope big ${K251}\r\n`]);
      const m = await statsOf(port);
      return Object.fromEntries(names.map((n) => [n, m.get(n)]));
    };
    const want = await pick(servers.real.port);
    assert.equal(want.get_hits, '2', 'memcached counts the hits before the bad key (test premise)');
    assert.deepEqual(await pick(servers.ours.port), want);
  });
});
