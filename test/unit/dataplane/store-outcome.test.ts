// The store reports CAS uniques and counter values into a CommandOutcome the caller owns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandOutcome, DELTA_OK, EXISTS, STORED, Store } from '../../../src/dataplane/store/store.ts';
import { NONE } from '../../../src/dataplane/store/layout.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('CommandOutcome', () => {
  it('carries the CAS of what was stored, returned and counted, and the new counter value', () => {
    const store = Store.create({ memoryLimitMiB: 1, itemSizeMax: 1024 * 1024 });
    const k = b('n');
    const v = b('41');
    const stored = new CommandOutcome();
    assert.equal(store.storeItem('set', k, 0, 1, v, 0, 2, { flags: 0, exptime: 0, out: stored }), STORED);
    const read = new CommandOutcome();
    const ref = store.get(k, 0, 1, null, read);
    assert.notEqual(ref, NONE);
    store.release(ref);
    assert.equal(read.cas, stored.cas, 'gets returns the CAS the set produced');
    const counted = new CommandOutcome();
    assert.equal(store.delta(k, 0, 1, true, 1n, counted), DELTA_OK);
    assert.equal(counted.counter, 42n);
    assert.ok(counted.cas > stored.cas, 'incr gives the item a new CAS');
    const refused = new CommandOutcome();
    assert.equal(store.storeItem('cas', k, 0, 1, v, 0, 2, { flags: 0, exptime: 0, cas: stored.cas, out: refused }), EXISTS);
    assert.equal(refused.cas, 0n, 'nothing stored, nothing written');
  });
});
