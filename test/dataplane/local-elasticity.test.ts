// Local mode follows the load: `ixctl run -t 2` starts on one elastic thread, adds the second under
// a pipelined load (the local controller, every 100 ms), and gives it back once the load is gone.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from '../../src/lib/net.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { startIxctlRun, stopIxctlRuns } from './ixctl-run.ts';

const port = await freePort();
const { log: stderr } = await startIxctlRun(['-p', String(port), '-t', '2', '--remove-cooldown-ms', '1000']);
after(stopIxctlRuns);

describe('local mode elasticity', () => {
  it('adds a thread under load and removes it when the load is gone', async () => {
    assert.match(stderr(), /with 1 elastic thread\(s\)/);
    let loading = true;
    const socks = Array.from({ length: 16 }, () => net.connect(port, '127.0.0.1'));
    for (const s of socks) {
      s.on('error', () => {});
      s.on('data', () => {});
      const pump = () => {
        if (loading) s.write('get k\r\n'.repeat(200), () => setImmediate(pump));
      };
      s.on('connect', pump);
    }
    try {
      await waitFor('a second thread', async () => (/added an elastic thread, now 2: queue [\d.]+ > 32|added an elastic thread, now 2: delay/.test(stderr()) ? true : undefined), 15_000, 50);
    } finally {
      // Whatever happened, the load stops: a pump left running would keep this file alive for ever.
      loading = false;
      for (const s of socks) s.destroy();
    }
    await waitFor('the thread given back', async () => (/removed an elastic thread, now 1: queue [\d.]+ < 8 and idle \d+% > 50%/.test(stderr()) ? true : undefined), 10_000, 50);
  });
});
