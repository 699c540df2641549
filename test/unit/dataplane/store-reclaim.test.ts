// Memory of expired and flushed items is reused before a page is carved or a live item evicted,
// and what happens to items is counted per class under memcached's `stats items` names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store, STORED, NO_MEMORY } from '../../../src/dataplane/store/store.ts';
import type { SlabClassInfo } from '../../../src/dataplane/store/store.ts';
import { NONE } from '../../../src/dataplane/store/layout.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

function newStore(memoryLimitMiB: number): { store: Store; clock: { t: number } } {
  const store = Store.create({ memoryLimitMiB, itemSizeMax: 1024 * 1024 });
  const clock = { t: 1_800_000_000 };
  store.now = () => clock.t;
  return { store, clock };
}

function set(store: Store, key: string, value: string, exptime = 0): number {
  const k = b(key);
  const v = b(value);
  return store.storeItem('set', k, 0, k.length, v, 0, v.length, { flags: 0, exptime });
}

function fetch(store: Store, key: string): number {
  const k = b(key);
  return store.get(k, 0, k.length);
}

function classOf(store: Store, valueBytes: number): SlabClassInfo {
  const sized = store.classInfo().filter((c) => c.chunkSize >= valueBytes + 60);
  assert.ok(sized.length > 0, `a class holds items of ${valueBytes} bytes`);
  return sized[0]!;
}

const V66K = 'x'.repeat(66 * 1024);

describe('Store reclaims dead items before taking more memory', () => {
  it('reuses ten expired 66 KB items for ten new ones: one page, reclaimed 10 (the issue\'s scenario)', () => {
    const { store, clock } = newStore(64);
    for (let i = 0; i < 10; i++) assert.equal(set(store, `a${i}`, V66K, 2), STORED);
    const before = classOf(store, V66K.length);
    assert.equal(before.pages, 1);
    assert.ok(before.free > 0, 'the page has free chunks left (the test would prove nothing otherwise)');
    clock.t += 4;
    for (let i = 0; i < 10; i++) assert.equal(set(store, `b${i}`, V66K), STORED);
    const after = classOf(store, V66K.length);
    assert.equal(after.pages, 1, 'no second page');
    assert.equal(after.used, 10);
    assert.equal(after.items, 10);
    assert.equal(after.counters.reclaimed, 10);
    assert.equal(after.counters.expired_unfetched, 10);
    assert.equal(after.counters.evicted, 0);
    assert.equal(store.stat('reclaimed'), 10n);
    assert.equal(store.stat('curr_items'), 10n);
    assert.equal(after.counters.mem_requested, before.counters.mem_requested, 'ten items of the same size as before');
  });

  it('reclaims flushed items instead of evicting: fetched ones are not counted unfetched', () => {
    const { store, clock } = newStore(1);
    const value = 'v'.repeat(1000);
    assert.equal(set(store, 'k0', value), STORED);
    for (let n = 1; classOf(store, 1000).free > 0; n++) assert.equal(set(store, `k${n}`, value), STORED);
    const ref = fetch(store, 'k0');
    store.release(ref);
    clock.t += 1;
    store.flush(0);
    clock.t += 1;
    for (let i = 0; i < 20; i++) assert.equal(set(store, `new${i}`, value), STORED);
    const c = classOf(store, 1000);
    assert.equal(c.counters.evicted, 0, 'nothing live was evicted');
    // Each allocation frees up to five dead items from the tail, as memcached's lru_pull_tail.
    assert.equal(c.counters.reclaimed, 100);
    assert.equal(c.counters.expired_unfetched, 99, 'k0 was fetched');
  });

  it('never reclaims an expired item a response still holds, and counts it lrutail_reflocked', () => {
    const { store, clock } = newStore(64);
    assert.equal(set(store, 'held', V66K, 1), STORED);
    const ref = fetch(store, 'held');
    assert.notEqual(ref, NONE);
    clock.t += 2;
    assert.equal(set(store, 'next', V66K), STORED);
    const c = classOf(store, V66K.length);
    assert.equal(c.counters.reclaimed, 0);
    assert.ok(c.counters.lrutail_reflocked >= 1);
    assert.equal(store.valueWithCrlf(ref).subarray(0, 3).toString(), 'xxx', 'the held view is intact');
    store.release(ref);
  });
});

describe('Store per class item counters', () => {
  it('counts evictions as memcached does: evicted, evicted_nonzero, evicted_unfetched, evicted_time, outofmemory', () => {
    const { store, clock } = newStore(1);
    const big = 'y'.repeat(900 * 1024);
    assert.equal(set(store, 'a', big, 1000), STORED);
    clock.t += 7;
    assert.equal(set(store, 'b', big), STORED);
    let c = classOf(store, big.length);
    assert.equal(c.counters.evicted, 1);
    assert.equal(c.counters.evicted_nonzero, 1, 'a had an exptime');
    assert.equal(c.counters.evicted_unfetched, 1);
    assert.equal(c.counters.evicted_time, 7, 'seconds since a was last accessed');
    assert.equal(store.stat('evictions'), 1n);
    const held = fetch(store, 'b');
    assert.equal(set(store, 'c', big), NO_MEMORY);
    store.release(held);
    c = classOf(store, big.length);
    assert.equal(c.counters.outofmemory, 1);
  });

  it('stats reset zeroes the counters but keeps mem_requested, a gauge', () => {
    const { store } = newStore(1);
    const big = 'y'.repeat(900 * 1024);
    set(store, 'a', big);
    set(store, 'b', big);
    const before = classOf(store, big.length).counters;
    assert.equal(before.evicted, 1);
    store.resetItemStats();
    const after = classOf(store, big.length).counters;
    assert.equal(after.evicted, 0);
    assert.equal(store.stat('evictions'), 0n);
    assert.equal(after.mem_requested, before.mem_requested);
    assert.ok(after.mem_requested > big.length);
  });
});
