import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalController, type ElasticTarget } from '../../../src/dataplane/elastic/local-controller.ts';
import type { CorePolicyConfig, ThreadLoad } from '../../../src/dataplane/elastic/core-policy.ts';

const policy: CorePolicyConfig = { min: 1, max: 4, addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, sloP99Us: 500, addCooldownMs: 100, removeCooldownMs: 2000 };

class FakePool implements ElasticTarget {
  activeCpus: (number | undefined)[] = [];
  load: ThreadLoad = { queueLength: 0, queueDelayUs: 0, idle: 1 };
  calls: unknown[] = [];
  loads() {
    return this.activeCpus.map(() => ({ ...this.load }));
  }
  async setActive(cpus: number[] | undefined, count = cpus?.length ?? 1) {
    this.calls.push(cpus ?? count);
    this.activeCpus = cpus ? [...cpus] : Array.from({ length: count }, () => undefined);
  }
}

describe('local controller', () => {
  it('grows within the granted CPUs, in their order, and shrinks from the last one added', async () => {
    const pool = new FakePool();
    await pool.setActive([4]);
    let now = 0;
    const decisions: string[] = [];
    const c = new LocalController(pool, { policy, granted: () => [4, 5, 6], now: () => now, onDecision: (d) => decisions.push(`${d.action}->${d.active}`) });
    pool.load = { queueLength: 50, queueDelayUs: 0, idle: 0 };
    for (let i = 0; i < 5; i++) {
      now += 150;
      await c.tick();
    }
    assert.deepEqual(pool.activeCpus, [4, 5, 6], 'never beyond the grant, although the policy allows 4');
    pool.load = { queueLength: 0, queueDelayUs: 0, idle: 0.95 };
    now += 5000;
    await c.tick();
    assert.deepEqual(pool.activeCpus, [4, 5]);
    assert.deepEqual(decisions, ['add->2', 'add->3', 'remove->2']);
  });

  it('steers an unpinned thread count in local mode', async () => {
    const pool = new FakePool();
    await pool.setActive(undefined, 1);
    let now = 0;
    const c = new LocalController(pool, { policy, granted: () => undefined, now: () => now });
    pool.load = { queueLength: 0, queueDelayUs: 400, idle: 0.1 };
    now += 200;
    const d = await c.tick();
    assert.equal(d?.action, 'add');
    assert.equal(pool.activeCpus.length, 2);
    assert.deepEqual(pool.calls.at(-1), 2);
  });

  it('counts the cooldown from a change the operator made', async () => {
    const pool = new FakePool();
    await pool.setActive([0, 1]);
    let now = 10_000;
    const c = new LocalController(pool, { policy, granted: () => [0, 1], now: () => now });
    c.noteExternalChange();
    pool.load = { queueLength: 0, queueDelayUs: 0, idle: 0.99 };
    now += 500;
    assert.equal((await c.tick())?.action, 'hold');
    now += 2000;
    assert.equal((await c.tick())?.action, 'remove');
  });
});
