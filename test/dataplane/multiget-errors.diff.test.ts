// A multi-key retrieval with a bad key answers only the error line, byte for byte as memcached
// 1.6 does, whatever hits came before it in the list; the keys before it still count as fetched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeDifferential } from './diff-cases.ts';
import type { DiffCase } from './diff-cases.ts';
import { bothServers, exchange } from './harness.ts';

const K251 = 'k'.repeat(251);
const BIG = 'v'.repeat(2000); // large enough to be sent from store memory, not copied
const SEED = `set a 1 0 1\r\nA\r\nset b 2 0 3\r\nBBB\r\nset big 3 0 ${BIG.length}\r\n${BIG}\r\n`;
const MANY = Array.from({ length: 30 }, (_, i) => `m${i}`);
const SEED_MANY = MANY.map((k) => `set ${k} 0 0 1\r\n1\r\n`).join('');

// Each failing get is its own write: memcached also drops earlier commands' unsent replies (ADR 0005).
const cases: DiffCase[] = [
  { name: 'get: hits before a too-long key', send: [SEED, `get a b ${K251}\r\n`, 'get a\r\n'] },
  { name: 'gets: hits before a too-long key, and keys after it', send: [SEED, `gets a b ${K251} a big\r\n`, 'gets b\r\n'] },
  { name: 'get: a large value before a too-long key', send: [SEED, `get big ${K251}\r\n`, 'get big\r\n'] },
  { name: 'gat and gats: hits before a too-long key', send: [SEED, `gat 100 a b ${K251}\r\n`, `gats 100 big ${K251}\r\n`, 'get a\r\n'] },
  { name: 'the too-long key first', send: [SEED, `get ${K251} a\r\n`] },
  { name: 'a too-long key beyond the token limit', send: [SEED_MANY, `get ${MANY.join(' ')} ${K251}\r\n`, `gets ${MANY.join(' ')} ${K251} m1\r\n`, 'get m0 m29\r\n'] },
];

describeDifferential('multi-key retrieval with a bad key, against memcached 1.6', cases);

function statsOf(text: string): Map<string, string> {
  return new Map(text.split('\r\n').filter((l) => l.startsWith('STAT ')).map((l) => l.split(' ') as [string, string, string]).map(([, k, v]) => [k, v]));
}

describe('multi-key retrieval with a bad key: counters against memcached 1.6', () => {
  const servers = bothServers();

  it('counts the lookups made before the bad key, as memcached does', async () => {
    const names = ['cmd_get', 'get_hits', 'get_misses', 'cmd_touch', 'touch_hits', 'touch_misses'];
    const pick = async (port: number) => {
      await exchange(port, ['stats reset\r\n', SEED, `get a nope b ${K251} a\r\n`, `gat 0 nope big ${K251}\r\n`]);
      const m = statsOf((await exchange(port, ['stats\r\n'])).bytes.toString('latin1'));
      return Object.fromEntries(names.map((n) => [n, m.get(n)]));
    };
    const want = await pick(servers.real.port);
    assert.equal(want.get_hits, '2', 'memcached counts the hits before the bad key (test premise)');
    assert.deepEqual(await pick(servers.ours.port), want);
  });
});
