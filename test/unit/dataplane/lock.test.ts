import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tryLock, unlock } from '../../../src/dataplane/store/lock.ts';
import { startTsWorker } from '../../../src/dataplane/ts-worker.ts';

describe('shared-memory lock', () => {
  it('tryLock fails while held and succeeds after unlock', () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    assert.ok(tryLock(a, 0));
    assert.ok(!tryLock(a, 0));
    unlock(a, 0);
    assert.ok(tryLock(a, 0));
    unlock(a, 0);
    assert.equal(a[0], 0);
  });

  it('excludes 4 threads from a critical section, sleeping and waking under contention', { timeout: 60_000 }, async () => {
    const buffer = new SharedArrayBuffer(16);
    const rounds = 50_000;
    await Promise.all([0, 1, 2, 3].map(() => new Promise<void>((resolve, reject) => {
      const w = startTsWorker(new URL('./fixtures/lock-counter.worker.ts', import.meta.url), { workerData: { buffer, rounds } });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
    })));
    assert.equal(new Float64Array(buffer, 8, 1)[0], 4 * rounds);
    assert.equal(new Int32Array(buffer, 0, 1)[0], 0, 'left unlocked');
  });
});
