import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Store, STORED, NOT_STORED, EXISTS, NOT_FOUND, TOO_LARGE, NON_NUMERIC, DELTA_OK, CommandOutcome,
} from '../../../src/dataplane/store/store.ts';
import { NONE } from '../../../src/dataplane/store/layout.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

function newStore(memoryLimitMiB = 4, itemSizeMax = 1024 * 1024): { store: Store; clock: { t: number } } {
  const store = Store.create({ memoryLimitMiB, itemSizeMax });
  const clock = { t: 1_800_000_000 };
  store.now = () => clock.t;
  return { store, clock };
}

function set(store: Store, mode: Parameters<Store['storeItem']>[0], key: string, value: string, flags = 0, exptime = 0, cas = 0n): number {
  const k = b(key);
  const v = b(value);
  return store.storeItem(mode, k, 0, k.length, v, 0, v.length, { flags, exptime, cas });
}

function get(store: Store, key: string): { value: string; flags: number; cas: bigint } | null {
  const k = b(key);
  const ref = store.get(k, 0, k.length);
  if (ref === NONE) return null;
  const view = store.valueWithCrlf(ref);
  const out = { value: view.subarray(0, view.length - 2).toString('latin1'), flags: store.flags(ref), cas: store.cas(ref) };
  assert.equal(view.subarray(view.length - 2).toString(), '\r\n');
  store.release(ref);
  return out;
}

describe('Store basics', () => {
  it('stores, reads back value and flags as unsigned 32-bit, and counts', () => {
    const { store } = newStore();
    assert.equal(set(store, 'set', 'a', 'hello', 0xffffffff), STORED);
    assert.deepEqual(get(store, 'a')?.value, 'hello');
    assert.equal(get(store, 'a')?.flags, 0xffffffff);
    assert.equal(get(store, 'missing'), null);
    assert.equal(store.stat('curr_items'), 1n);
    assert.equal(store.stat('get_hits'), 2n);
    assert.equal(store.stat('get_misses'), 1n);
  });

  it('add, replace, append, prepend, cas follow memcached', () => {
    const { store } = newStore();
    assert.equal(set(store, 'replace', 'k', 'x'), NOT_STORED);
    assert.equal(set(store, 'add', 'k', 'one'), STORED);
    assert.equal(set(store, 'add', 'k', 'two'), NOT_STORED);
    assert.equal(set(store, 'replace', 'k', 'mid', 7), STORED);
    assert.equal(set(store, 'append', 'k', '>>', 99), STORED);
    assert.equal(set(store, 'prepend', 'k', '<<'), STORED);
    assert.deepEqual(get(store, 'k')?.value, '<<mid>>');
    assert.equal(get(store, 'k')?.flags, 7, 'append/prepend keep the old flags');
    assert.equal(set(store, 'append', 'nope', 'x'), NOT_STORED);
    const cas = get(store, 'k')!.cas;
    assert.equal(set(store, 'cas', 'k', 'v2', 0, 0, cas + 1n), EXISTS);
    assert.equal(set(store, 'cas', 'k', 'v2', 0, 0, cas), STORED);
    assert.equal(set(store, 'cas', 'k', 'v3', 0, 0, cas), EXISTS);
    assert.equal(set(store, 'cas', 'gone', 'v', 0, 0, 1n), NOT_FOUND);
    assert.ok(get(store, 'k')!.cas > cas, 'every store gets a fresh CAS');
  });

  it('expires like memcached: relative, absolute beyond 30 days, negative at once, touch', () => {
    const { store, clock } = newStore();
    set(store, 'set', 'rel', 'v', 0, 10);
    set(store, 'set', 'abs', 'v', 0, clock.t + 100);
    set(store, 'set', 'neg', 'v', 0, -1);
    set(store, 'set', 'never', 'v', 0, 0);
    set(store, 'set', 'pastabs', 'v', 0, clock.t - 1);
    assert.equal(get(store, 'neg'), null);
    assert.equal(get(store, 'pastabs'), null);
    clock.t += 9;
    assert.ok(get(store, 'rel'));
    clock.t += 1;
    assert.equal(get(store, 'rel'), null);
    assert.ok(store.touch(b('abs'), 0, 3, 1000));
    clock.t += 500;
    assert.ok(get(store, 'abs'), 'touch moved the expiry');
    assert.ok(get(store, 'never'));
    assert.equal(store.stat('curr_items'), 2n, 'expired items were unlinked lazily');
  });

  it('flush_all now and with a delay', () => {
    const { store, clock } = newStore();
    set(store, 'set', 'a', '1');
    store.flush(0);
    assert.equal(get(store, 'a'), null);
    set(store, 'set', 'b', '2');
    assert.ok(get(store, 'b'), 'items stored after the flush live, even in the same second');
    store.flush(5);
    clock.t += 3;
    assert.ok(get(store, 'b'));
    clock.t += 3;
    assert.equal(get(store, 'b'), null);
  });

  it('incr/decr: decimal, wrap at 2^64, floor at 0, in-place padding, non-numeric', () => {
    const { store } = newStore();
    const k = b('n');
    const out = new CommandOutcome();
    set(store, 'set', 'n', '100');
    assert.equal(store.delta(k, 0, 1, false, 1n, out), DELTA_OK);
    assert.equal(out.counter, 99n);
    assert.equal(get(store, 'n')?.value, '99 ', 'memcached pads an in-place decrement with spaces');
    assert.equal(store.delta(k, 0, 1, true, (1n << 64n) - 1n, out), DELTA_OK);
    assert.equal(out.counter, 98n);
    assert.equal(store.delta(k, 0, 1, false, 1000n, out), DELTA_OK);
    assert.equal(out.counter, 0n);
    set(store, 'set', 'n', '9');
    assert.equal(store.delta(k, 0, 1, true, 1n, out), DELTA_OK);
    assert.equal(get(store, 'n')?.value, '10', 'a longer result gets a new item');
    set(store, 'set', 'n', 'abc');
    assert.equal(store.delta(k, 0, 1, true, 1n, out), NON_NUMERIC);
    set(store, 'set', 'n', '');
    assert.equal(store.delta(k, 0, 1, true, 1n, out), NON_NUMERIC);
    assert.equal(store.delta(b('zz'), 0, 2, true, 1n, out), NOT_FOUND);
  });

  it('rejects items over the size limit and a failed set removes the old value', () => {
    const { store } = newStore(4, 2048);
    set(store, 'set', 'big', 'small');
    assert.equal(set(store, 'set', 'big', 'x'.repeat(4096)), TOO_LARGE);
    assert.equal(get(store, 'big'), null);
  });
});

describe('Store memory', () => {
  it('evicts least recently used items under the memory limit and keeps recently fetched ones', () => {
    const { store } = newStore(1);
    const value = 'v'.repeat(1000);
    set(store, 'set', 'hot', value);
    let n = 0;
    for (; n < 3000; n++) {
      if (n % 50 === 0) assert.ok(get(store, 'hot'), `hot key survived ${n} sets`);
      assert.equal(set(store, 'set', `key${n}`, value), STORED);
    }
    assert.ok(store.stat('evictions') > 0n);
    assert.equal(get(store, 'key0'), null, 'the oldest idle item went first');
    assert.ok(get(store, `key${n - 1}`));
    assert.ok(get(store, 'hot'));
  });

  it('never reuses memory of an item a response still holds, even after delete or overwrite', () => {
    const { store } = newStore(1);
    const value = 'x'.repeat(1000);
    set(store, 'set', 'held', 'precious');
    const k = b('held');
    const ref = store.get(k, 0, k.length);
    const view = store.valueWithCrlf(ref);
    assert.ok(store.delete(k, 0, k.length));
    set(store, 'set', 'held', 'replaced');
    for (let n = 0; n < 3000; n++) set(store, 'set', `fill${n}`, value);
    assert.equal(view.toString('latin1'), 'precious\r\n');
    store.release(ref);
  });

  it('answers out of memory when every candidate is held by a response', () => {
    const { store } = newStore(1, 1024 * 1024);
    const big = 'y'.repeat(900 * 1024);
    assert.equal(set(store, 'set', 'a', big), STORED);
    const k = b('a');
    const ref = store.get(k, 0, 1);
    assert.equal(set(store, 'set', 'b', big), 5 /* NO_MEMORY */);
    store.release(ref);
    assert.equal(set(store, 'set', 'b', big), STORED);
  });
});

describe('Store eviction corner cases', () => {
  it('evicts the only item of a class even when it was fetched recently', () => {
    const { store } = newStore(1);
    const big = 'y'.repeat(900 * 1024);
    assert.equal(set(store, 'set', 'a', big), STORED);
    assert.ok(get(store, 'a'));
    assert.ok(get(store, 'a'));
    assert.equal(set(store, 'set', 'b', big), STORED);
    assert.equal(get(store, 'a'), null);
  });
});

describe('Store slab classes', () => {
  it('gives a class its first page even when small items have taken the memory limit, like memcached', () => {
    const { store } = newStore(2);
    for (let n = 0; n < 40_000; n++) set(store, 'set', `small${n}`, 'v'.repeat(20));
    assert.ok(store.stat('evictions') > 0n, 'small items filled the limit');
    assert.equal(set(store, 'set', 'large', 'L'.repeat(200_000)), STORED);
    assert.equal(get(store, 'large')?.value.length, 200_000);
  });
});

describe('Store counters per thread', () => {
  it('sums every attachment\'s counts, resets without writing other slots, and hands a retired slot on', () => {
    const { store } = newStore();
    const other = Store.attach(store.shared); // as a worker thread attaches
    set(store, 'set', 'a', 'x');
    get(store, 'a');
    get(other, 'a');
    get(other, 'missing');
    assert.equal(store.stat('get_hits'), 2n);
    assert.equal(other.stat('get_misses'), 1n, 'any attachment reads the same sums');
    // Items linked by one and unlinked by another: the gauge is the sum of both parts.
    set(other, 'set', 'b', 'y');
    other.delete(b('a'), 0, 1);
    assert.equal(store.stat('curr_items'), 1n);

    store.resetStat('get_hits');
    assert.equal(other.stat('get_hits'), 0n);
    get(other, 'b');
    assert.equal(store.stat('get_hits'), 1n, 'counts after a reset start from zero');

    other.detachStats();
    const next = Store.attach(store.shared);
    get(next, 'b');
    assert.equal(store.stat('get_hits'), 2n, 'a retired slot keeps its counts and a new attachment counts on in it');
    assert.equal(store.stat('curr_items'), 1n);
  });
});
