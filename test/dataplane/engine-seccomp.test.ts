// Auto under a seccomp filter that refuses io_uring, as in a pod on containerd's default profile
// (ADR 0019): `ixctl run` runs libuv, says why, and serves; asked for io_uring, it refuses to start.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { compileC } from '../../bench/lib/compile-c.ts';
import { freePort } from '../../src/lib/net.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { exchange } from './harness.ts';

const noIoUring = compileC(path.join(repoRoot, 'test/dataplane/fixtures/seccomp/no-io-uring.c'));
const running = new Set<ChildProcess>();

function ixctlRun(args: string[]): { proc: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const proc = spawn(noIoUring, [process.execPath, '--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'run', ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => {
    running.delete(proc);
    resolve(code);
  }));
  return { proc, log: () => log, exited };
}

describe('engine under a seccomp filter that refuses io_uring', () => {
  after(() => {
    for (const p of running) p.kill('SIGKILL');
  });

  it('runs libuv on auto, says why once, and serves', async () => {
    const port = await freePort();
    const run = ixctlRun(['-p', String(port), '-l', '127.0.0.1', '--engine', 'auto']);
    await waitFor('ixctl run to serve', async () => {
      if (run.proc.exitCode !== null) throw new Error(`ixctl run exited: ${run.log()}`);
      return run.log().includes('serving memcached protocol') ? true : undefined;
    }, 30_000);
    assert.match(run.log(), /^ixctl run: engine libuv \(auto: io_uring is not available \(io_uring_setup: Operation not permitted\)\)$/m);
    assert.equal(run.log().split('ixctl run: engine ').length, 2, 'said once');
    const r = await exchange(port, ['set k 0 0 2\r\nhi\r\nget k\r\n'], { sentinel: false });
    assert.equal(r.bytes.toString(), 'STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n');
    run.proc.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });

  it('refuses to start when asked for io_uring, rather than running libuv', async () => {
    const run = ixctlRun(['-p', String(await freePort()), '-l', '127.0.0.1', '--engine', 'io_uring']);
    assert.notEqual(await run.exited, 0);
    assert.match(run.log(), /--engine io_uring: io_uring is not available here: io_uring_setup: Operation not permitted/);
  });
});
