// Without Go the integration suite must fail loudly with one line saying what to install,
// never pass by running nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';

describe('integration prerequisites', () => {
  it('fails with a clear message when Go is not installed', () => {
    // A PATH with node and bash but no go.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-nogo-'));
    for (const tool of ['node', 'bash']) {
      const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      fs.symlinkSync(real, path.join(dir, tool));
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'run.ts'), 'integration', 'control-plane'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: dir, HOME: os.homedir(), IX_CACHE_DIR: path.join(dir, 'cache') },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: Go >= 1\.25 is required to build the test Kubernetes control plane .*install it from https:\/\/go\.dev\/dl/m);
    assert.doesNotMatch(r.stdout, /# pass/);
  });
});
