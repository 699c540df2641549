// libmemcached's memccapable (ASCII tests) against `ixctl run`, started as a real process the way
// a user starts it, so the command line, the server and a clean SIGTERM shutdown are covered too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { freePort } from '../../src/lib/net.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { engineArgs, requireTool } from './harness.ts';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('memccapable -a against ixctl run', () => {
  it('passes every ASCII test, and the server exits cleanly on SIGTERM', async () => {
    const memccapable = requireTool('memccapable', 'libmemcached-tools');
    const port = await freePort();
    const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const server = spawn(process.execPath, [tsx, 'src/cli/main.ts', 'run', '-p', String(port), '-l', '127.0.0.1', ...engineArgs()], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      let up = false;
      for (let i = 0; i < 200 && !up && server.exitCode === null; i++) {
        up = await listening(port);
        if (!up) await sleep(50);
      }
      assert.ok(up, `ixctl run did not listen on ${port}: ${stderr}`);
      // -t: seconds per I/O operation before memccapable calls it a failure.
      const r = spawnSync(memccapable, ['-h', '127.0.0.1', '-p', String(port), '-a', '-t', '10'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `memccapable failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /All tests passed/);
      assert.doesNotMatch(r.stdout, /\[fail\]/);
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `ixctl run exit after SIGTERM; stderr: ${stderr}`);
  });
});
