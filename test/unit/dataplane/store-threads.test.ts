import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTsWorker } from '../../../src/dataplane/ts-worker.ts';
import { Store } from '../../../src/dataplane/store/store.ts';
import { NONE } from '../../../src/dataplane/store/layout.ts';

function runWorker(data: unknown, file = './fixtures/store-hammer.worker.ts'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const w = startTsWorker(new URL(file, import.meta.url), { workerData: data });
    let result: string[] | undefined;
    w.on('message', (m: string[]) => (result = m));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('Store shared by worker threads', () => {
  // A broken lock or refcount tends to hang the workers: a timeout turns that into a failure.
  it('loses no increments and tears no values while 4 worker threads hammer it', { timeout: 60_000 }, async () => {
    const store = Store.create({ memoryLimitMiB: 8, itemSizeMax: 1024 * 1024 });
    const counters = 4;
    for (let c = 0; c < counters; c++) {
      const k = Buffer.from(`counter${c}`);
      const zero = Buffer.from('0');
      store.storeItem('set', k, 0, k.length, zero, 0, 1);
    }
    const rounds = 20_000;
    const workers = [0, 1, 2, 3].map((id) => runWorker({ shared: store.shared, id, rounds, counters }));
    const problems = (await Promise.all(workers)).flat();
    assert.deepEqual(problems, []);
    let total = 0n;
    for (let c = 0; c < counters; c++) {
      const k = Buffer.from(`counter${c}`);
      const ref = store.get(k, 0, k.length);
      assert.notEqual(ref, NONE);
      total += BigInt(store.valueWithCrlf(ref).toString('latin1').trim());
      store.release(ref);
    }
    assert.equal(total, BigInt(rounds * 4), 'every increment of every thread is counted');
    assert.equal(store.stat('incr_hits'), BigInt(rounds * 4));
  });

  it('never hands out reused memory while 4 threads set, read, hold views and evict under pressure', { timeout: 60_000 }, async () => {
    const store = Store.create({ memoryLimitMiB: 1, itemSizeMax: 64 * 1024 });
    const rounds = 15_000;
    const workers = [0, 1, 2, 3].map((id) => runWorker({ shared: store.shared, id, rounds }, './fixtures/store-pressure.worker.ts'));
    assert.deepEqual((await Promise.all(workers)).flat(), []);
    assert.ok(store.stat('evictions') > 0n, 'the test ran under memory pressure');
  });
});
