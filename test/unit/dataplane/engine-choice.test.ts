// Which engine a server runs (engine.ts): pure logic over what the addon's probe says.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseEngine } from '../../../src/dataplane/engine.ts';
import type { Native } from '../../../src/dataplane/native.ts';

const withProbe = (probe: string | null) => ({ native: { ringProbe: () => probe } as unknown as Native });

describe('engine choice', () => {
  it('runs io_uring on auto where the probe succeeds, and says so', () => {
    assert.deepEqual(chooseEngine('auto', withProbe(null)), { name: 'io_uring', reason: 'auto: io_uring is available' });
    assert.deepEqual(chooseEngine('io_uring', withProbe(null)), { name: 'io_uring', reason: 'asked for (--engine io_uring)' });
  });

  it('falls back to libuv on auto with the probe\'s reason (a seccomp filter\'s EPERM, an old kernel)', () => {
    assert.deepEqual(chooseEngine('auto', withProbe('io_uring_setup: Operation not permitted')), { name: 'libuv', reason: 'auto: io_uring is not available (io_uring_setup: Operation not permitted)' });
    assert.match(chooseEngine('auto', { unavailable: 'native addon not loaded' }).reason, /not available \(native addon not loaded\)/);
    assert.match(chooseEngine('auto', { native: {} as Native }).reason, /predates the io_uring ring/);
  });

  it('refuses io_uring asked for where it cannot run, instead of running the other engine', () => {
    assert.throws(() => chooseEngine('io_uring', withProbe('io_uring_setup: Function not implemented')), /--engine io_uring: io_uring is not available here: io_uring_setup: Function not implemented/);
  });

  it('runs libuv when asked, without probing', () => {
    assert.deepEqual(chooseEngine('libuv', { unavailable: 'anything' }), { name: 'libuv', reason: 'asked for (--engine libuv)' });
  });
});
