// SIGTERM with --drain-ms (what the operator's pods get, so a replica scaled in or rolled over
// leaves without dropping its clients): /readyz fails at once while open connections keep being
// served, the drain ends as soon as the last client has gone, and a connection still open at the
// end gets every answer to what it sent before the FIN, on one event loop and on elastic threads.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../src/lib/net.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { Client } from './client.ts';
import { startIxctlRun, stopIxctlRuns } from './ixctl-run.ts';

after(stopIxctlRuns);

async function start(threads: number, drainMs: number): Promise<{ proc: ChildProcess; port: number; control: number; log: () => string }> {
  const [port, control] = [await freePort(), await freePort()];
  const run = await startIxctlRun(['-p', String(port), '--control-port', String(control), '-t', String(threads), '--no-elastic-control', '--drain-ms', String(drainMs)]);
  return { ...run, port, control };
}

const exited = (proc: ChildProcess) => new Promise<number | null>((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', (code) => resolve(code))));

for (const threads of [1, 2]) {
  describe(`SIGTERM drain (${threads === 1 ? 'one event loop' : 'elastic threads'})`, () => {
    it('fails /readyz, keeps serving open connections, and exits once the last client leaves', async () => {
      const dp = await start(threads, 20_000);
      const a = await Client.connect(dp.port);
      const b = await Client.connect(dp.port);
      assert.equal(await a.request('set k 0 0 1\r\nv\r\n'), 'STORED\r\n');
      const t0 = Date.now();
      dp.proc.kill('SIGTERM');
      await waitFor('/readyz to fail', async () => ((await fetch(`http://127.0.0.1:${dp.control}/readyz`)).status === 503 ? true : undefined), 5_000, 50);
      assert.match(dp.log(), /SIGTERM, draining 2 connection\(s\) for up to 20000 ms/);
      assert.equal(await a.request('get k\r\n', 'END\r\n'), 'VALUE k 0 1\r\nv\r\nEND\r\n', 'an open connection is still served');
      assert.equal(await b.request('incr nope 1\r\n'), 'NOT_FOUND\r\n');
      a.socket.end();
      b.socket.end();
      assert.equal(await exited(dp.proc), 0);
      assert.ok(Date.now() - t0 < 10_000, `exited ${Date.now() - t0} ms after SIGTERM, not at the end of the 20 s drain`);
    });

    it('at the end of the drain, a client that reads slowly still gets every answer before the FIN', async () => {
      const dp = await start(threads, 500);
      const c = await Client.connect(dp.port);
      const value = 'x'.repeat(512 * 1024);
      assert.equal(await c.request(`set big 0 0 ${value.length}\r\n${value}\r\n`), 'STORED\r\n');
      // 8 × 512 KiB of answers wait in the server's buffers while the client reads nothing, and the
      // drain ends meanwhile: closing must flush them (a reset would lose them), then send FIN.
      c.socket.pause();
      c.socket.write('get big\r\n'.repeat(8));
      dp.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 700));
      c.socket.resume();
      const reply = await c.read(/END\r\n$/, 10_000);
      assert.equal(reply.split('VALUE big 0 524288\r\n').length - 1, 8);
      assert.equal(reply.length, 8 * (`VALUE big 0 ${value.length}\r\n`.length + value.length + 7));
      await waitFor('the server to close the connection', async () => (c.closed ? true : undefined), 5_000, 20);
      assert.equal(await exited(dp.proc), 0);
    });
  });
}
