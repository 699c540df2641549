// `stats detail on|off|dump` against Debian's memcached 1.6: the same PREFIX lines with the same
// counts in the same order (memcached's lists its prefixes by their murmur3 bucket, newest first),
// from one connection and from many spread over elastic threads, and with another delimiter (-D).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeDifferential } from './diff-cases.ts';
import type { DiffCase } from './diff-cases.ts';
import { FEATURES_OFF, bothServers, exchange } from './harness.ts';
import { statsOf } from './stats-text.ts';

const ON = 'stats reset\r\nstats detail on\r\n';
const OFF = 'stats detail off\r\n';
/** Larger than both servers' 1 MiB item limit: refused, and its data swallowed. */
const BIG = 'x'.repeat(1100 * 1024);

const cases: DiffCase[] = [
  {
    name: 'gets, hits, sets and deletes per prefix, in memcached\'s order',
    send: [ON, 'set a:b 0 0 1\r\nx\r\nget a:b a:c b:x\r\ndelete a:b\r\nset user:1 0 0 1\r\n1\r\nset session:9 0 0 1\r\n1\r\nget user:1 user:2 session:9\r\ngets user:1\r\ngat 0 session:9\r\ngats 0 nope:1\r\nbget a:z\r\n', 'stats detail dump\r\n', OFF],
  },
  {
    name: 'every storage command counts a set, valid or not stored; bad lines do not',
    send: [ON, 'add s:1 0 0 1\r\n1\r\nadd s:1 0 0 1\r\n1\r\nreplace s:2 0 0 1\r\n1\r\nappend s:1 0 0 1\r\n1\r\nprepend s:1 0 0 1\r\n1\r\ncas s:1 0 0 1 999\r\n1\r\nset s:3 0 0 1 noreply\r\n1\r\nset s:4 x 0 1\r\nset s:5 0 0 -1\r\n', `set s:big 0 0 ${BIG.length}\r\n${BIG}\r\n`, 'stats detail dump\r\n', OFF],
  },
  {
    name: 'deletes count hit or miss; touch, incr, decr and meta commands do not count',
    send: [ON, 'set d:1 0 0 1\r\n1\r\ndelete d:1\r\ndelete d:1\r\ndelete d:2 noreply\r\nset m:1 0 0 1\r\n5\r\ntouch m:1 0\r\nincr m:1 1\r\ndecr m:1 1\r\nmg m:1 v\r\nms m:2 1\r\n1\r\nmd m:2\r\nma m:1\r\n', 'stats detail dump\r\n', OFF],
  },
  {
    name: 'keys without the delimiter are not counted; an empty prefix and the first delimiter are',
    send: [ON, 'get plain other\r\nget :k x:y:z x::\r\nset :e 0 0 1\r\n1\r\n', 'stats detail dump\r\n', OFF],
  },
  {
    name: 'counting stops with detail off, the dump stays until stats reset',
    send: [ON, 'get p:1\r\n', OFF, 'get p:1 q:1\r\nstats detail dump\r\nstats reset\r\nstats detail dump\r\n'],
  },
  {
    name: 'after a reset a prefix counts again as a new one',
    send: [ON, 'get r1:a r2:a r3:a\r\nstats reset\r\nget r3:a r1:a\r\nstats detail dump\r\n', OFF],
  },
  {
    name: 'many prefixes, listed bucket by bucket',
    send: [ON, `get ${Array.from({ length: 60 }, (_, i) => `p${i * 7}:k`).join(' ')}\r\n`, 'stats detail dump\r\n', OFF],
  },
];

describeDifferential('stats detail, byte for byte against memcached 1.6', cases, FEATURES_OFF);
describe('stats detail with -D /, against memcached 1.6', () => {
  const servers = bothServers([...FEATURES_OFF, '-D', '/'], { prefixDelimiter: '/' });

  it('the prefix ends at the delimiter given, and stats settings shows it', async () => {
    const answers: string[] = [];
    for (const port of [servers.real.port, servers.ours.port]) {
      const dump = (await exchange(port, [ON, 'get a/b a:b/c x:y\r\nset c/d 0 0 1\r\n1\r\n', 'stats detail dump\r\n', OFF])).bytes.toString('latin1');
      answers.push(`${dump.replace(/VERSION [^\r\n]*\r\n/, '')}${(await statsOf(port, 'settings')).get('stat_key_prefix')}`);
    }
    assert.match(answers[0]!, /PREFIX a:b get 1 hit 0 set 0 del 0\r\n.*\/$/s, 'memcached counts by / (test premise)');
    assert.equal(answers[1], answers[0]);
  });
});

describe('stats detail over elastic threads, against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF, { elastic: {}, threads: 3 });

  it('counts of many connections on every thread are merged in one dump', async () => {
    const dumps: string[] = [];
    for (const port of [servers.real.port, servers.ours.port]) {
      await exchange(port, [ON]);
      // 24 connections: the flow groups spread them over the three threads.
      await Promise.all(Array.from({ length: 24 }, (_, c) => exchange(port, [`set t${c % 4}:${c} 0 0 1\r\n1\r\nget t${c % 4}:${c} t${c % 4}:none\r\ndelete t${c % 3}:${c}\r\n`])));
      dumps.push((await exchange(port, ['stats detail dump\r\n', OFF])).bytes.toString('latin1').replace(/VERSION [^\r\n]*\r\n/, ''));
    }
    assert.match(dumps[0]!, /PREFIX t0 get 12 hit 6 set 6 del 8\r\n/, 'memcached\'s counts (test premise)');
    assert.ok(servers.ours.pool, 'ours serves on elastic threads (test premise)');
    assert.equal(dumps[1], dumps[0]);
  });
});
