// Counters in `stats` after the same commands, compared with memcached's. Only counters whose
// meaning we share are compared: gauges of our own memory layout (bytes, pages) and process
// figures (pid, rusage, connections the harness opened) are not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, bothServers } from './harness.ts';

const COUNTERS = [
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'get_hits', 'get_misses', 'get_expired', 'get_flushed',
  'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits',
  'cas_badval', 'touch_hits', 'touch_misses', 'curr_items', 'total_items',
];

function parseStats(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const parts = line.split(' ');
    if (parts[0] === 'STAT' && parts.length === 3) m.set(parts[1]!, parts[2]!);
  }
  return m;
}

const SEQUENCE = [
  'set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nadd a 0 0 1\r\n1\r\nreplace zz 0 0 1\r\n1\r\n',
  'get a b c\r\ngets a\r\nget zz\r\n',
  'set x 0 -1 1\r\n1\r\nget x\r\n',
  'delete a\r\ndelete a\r\n',
  'set n 0 0 1\r\n5\r\nincr n 1\r\nincr nope 1\r\ndecr n 1\r\ndecr nope 1\r\n',
  'gets b\r\ncas b 0 0 1 1\r\n3\r\ncas nope 0 0 1 1\r\n3\r\n',
  'touch b 100\r\ntouch nope 100\r\ngat 100 b nope\r\n',
  'append b 0 0 1\r\n4\r\nprepend nope 0 0 1\r\n4\r\n',
];

describe('stats counters against memcached 1.6', () => {
  const servers = bothServers();

  it('counts the same commands, hits and misses', async () => {
    for (const chunk of SEQUENCE) {
      await exchange(servers.real.port, [chunk]);
      await exchange(servers.ours.port, [chunk]);
    }
    const want = parseStats((await exchange(servers.real.port, ['stats\r\n'])).bytes.toString('latin1'));
    const got = parseStats((await exchange(servers.ours.port, ['stats\r\n'])).bytes.toString('latin1'));
    const pick = (m: Map<string, string>) => Object.fromEntries(COUNTERS.map((c) => [c, m.get(c)]));
    assert.deepEqual(pick(got), pick(want));
  });
});
