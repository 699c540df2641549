// The prefix dictionary of `stats detail`: counts summed over thread rows, its capacity, and the
// reset that forgets prefixes until they are used again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PREFIX_CAPACITY, PREFIX_DEL, PREFIX_GET, PREFIX_SET, PrefixStats, createPrefixStatsBuffers } from '../../../src/dataplane/store/prefix-stats.ts';

const key = (s: string) => Buffer.from(s, 'latin1');
function count(p: PrefixStats, k: string, kind: number, hit = false): void {
  const b = key(k);
  p.count(b, 0, b.length, kind, hit);
}

describe('prefix statistics', () => {
  it('sums the rows of every thread slot for a prefix', () => {
    const buffers = createPrefixStatsBuffers();
    const [a, b] = [new PrefixStats(buffers, 0), new PrefixStats(buffers, 7)];
    count(a, 'user:1', PREFIX_GET, true);
    count(b, 'user:2', PREFIX_GET);
    count(b, 'user:3', PREFIX_SET);
    count(a, 'user:4', PREFIX_DEL);
    count(a, 'nodelimiter', PREFIX_GET);
    assert.deepEqual(a.dump(), [{ prefix: 'user', get: 2, hit: 1, set: 1, del: 1 }]);
    assert.deepEqual(b.dump(), a.dump());
  });

  it('counts at most PREFIX_CAPACITY prefixes; later new ones are not counted', () => {
    const p = new PrefixStats(createPrefixStatsBuffers(), 0);
    for (let i = 0; i < PREFIX_CAPACITY + 10; i++) count(p, `p${i}:k`, PREFIX_SET);
    const rows = p.dump();
    assert.equal(rows.length, PREFIX_CAPACITY);
    assert.ok(!rows.some((r) => r.prefix === `p${PREFIX_CAPACITY}`));
    count(p, 'p0:again', PREFIX_SET);
    assert.equal(p.dump().find((r) => r.prefix === 'p0')!.set, 2, 'known prefixes still count');
  });

  it('forgets every prefix at a reset until it is used again, counting from zero', () => {
    const p = new PrefixStats(createPrefixStatsBuffers('/'), 0);
    assert.equal(p.delimiter, '/');
    count(p, 'a/1', PREFIX_GET);
    count(p, 'b/1', PREFIX_GET);
    p.reset();
    assert.deepEqual(p.dump(), []);
    count(p, 'b/2', PREFIX_SET);
    assert.deepEqual(p.dump(), [{ prefix: 'b', get: 0, hit: 0, set: 1, del: 0 }]);
  });
});
