import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Output } from '../../../src/dataplane/protocol/output.ts';
import { Store, STORED } from '../../../src/dataplane/store/store.ts';
import { REFS } from '../../../src/dataplane/store/layout.ts';

describe('Output.dropReplyToMark', () => {
  it('drops what was written since the mark, across scratch buffers and views, and hands back the views\' references', () => {
    const store = Store.create({ memoryLimitMiB: 1, itemSizeMax: 1024 * 1024 });
    const key = Buffer.from('big');
    const value = Buffer.alloc(3000, 0x76);
    assert.equal(store.storeItem('set', key, 0, 3, value, 0, value.length), STORED);
    const out = new Output();
    out.line('KEPT');
    out.mark();
    out.line('x'.repeat(5000)); // past the scratch buffer: a new one
    const ref = store.get(key, 0, 3);
    out.view(store, ref);
    out.line('DROPPED');
    assert.equal(store.i32[ref * 2 + REFS], 2, 'the view holds a reference');
    const dropped = out.dropReplyToMark();
    assert.deepEqual(dropped, [ref]);
    for (const r of dropped) store.release(r);
    assert.equal(store.i32[ref * 2 + REFS], 1, 'only the table\'s reference is left');
    out.line('ERR');
    const batch = out.take();
    assert.equal(Buffer.concat(batch.chunks).toString('latin1'), 'KEPT\r\nERR\r\n');
    assert.equal(batch.bytes, 11);
    assert.deepEqual(batch.refs, []);
  });
});
