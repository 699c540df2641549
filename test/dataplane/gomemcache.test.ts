// A client library from another language: Go's bradfitz/gomemcache (from the Go module proxy,
// pinned by test/dataplane/fixtures/gomemcache/go.sum) runs the same operations against Debian's
// memcached and against `ixctl run`; the transcripts of what it got must be the same.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/lib/net.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { FEATURES_OFF, requireTool, startMemcached } from './harness.ts';
import type { RealMemcached } from './harness.ts';
import { startIxctlRun, stopIxctlRuns } from './ixctl-run.ts';

const SOURCE = path.join(repoRoot, 'test/dataplane/fixtures/gomemcache');

/** Builds the transcript program once per run (the Go build cache makes later builds quick). */
function buildTranscript(dir: string): string {
  const go = requireTool('go', 'golang (Go >= 1.22, also needed to build the test control plane)');
  const bin = path.join(dir, 'gomemcache-transcript');
  const r = spawnSync(go, ['build', '-o', bin, '.'], { cwd: SOURCE, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `go build of the gomemcache transcript failed (it fetches the module from the Go module proxy):\n${r.stderr}`);
  return bin;
}

function transcript(bin: string, port: number): string {
  const r = spawnSync(bin, [`127.0.0.1:${port}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `gomemcache transcript failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('Go client gomemcache against ixctl run, as against memcached 1.6', () => {
  let dir = '';
  let bin = '';
  let real: RealMemcached | undefined;
  let ours = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-gomemcache-'));
    bin = buildTranscript(dir);
    real = await startMemcached(FEATURES_OFF);
    ours = await freePort();
    await startIxctlRun(['-p', String(ours), '-l', '127.0.0.1', '--no-lru-autocrawl']);
  });
  after(async () => {
    stopIxctlRuns();
    await real?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gets the same results for every operation', () => {
    const want = transcript(bin, real!.port);
    assert.match(want, /^ping: ok\n(.*\n)*cas b stale: cas conflict\n(.*\n)*get b after delete_all: cache miss\n$/, 'the whole transcript ran against memcached (test premise)');
    assert.equal(transcript(bin, ours), want);
  });
});
