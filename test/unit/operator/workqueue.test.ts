import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/operator/runtime/workqueue.ts';

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('b'); q.add('a');
    assert.equal(q.depth, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands the same key to two workers; a key added while processed comes back once', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a'); q.add('a');
    assert.equal(q.depth, 0, 'not queued while it is being processed');
    q.done(k!);
    assert.equal(q.depth, 1);
    assert.equal(await q.get(), 'a');
  });

  it('wakes a waiting worker on add', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add('x');
    assert.equal(await got, 'x');
  });

  it('backs off exponentially per key and starts over after forget', () => {
    const q = new WorkQueue({ baseMs: 10, maxMs: 50 });
    assert.deepEqual([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')], [10, 20, 40, 50]);
    assert.equal(q.retries('k'), 4);
    q.forget('k');
    assert.equal(q.addRateLimited('k'), 10);
    q.shutdown();
  });

  it('adds a delayed key once its delay passes, keeping the earliest of two delays', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 200);
    q.addAfter('k', 20);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(q.depth, 1);
    assert.equal(await q.get(), 'k');
    q.shutdown();
  });

  it('releases waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.shutdown();
    assert.equal(await got, undefined);
  });
});
