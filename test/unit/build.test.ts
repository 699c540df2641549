// npm run build (docs/adr/0002): which packages the production bundle carries, and that it runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
const script = pkg.scripts.build!;
/** Bundled rather than loaded from node_modules: its generated code is most of what a process would hold (ADR 0002). */
const BUNDLED = ['@kubernetes/client-node'];

describe('npm run build', () => {
  it('keeps every dependency external but client-node, which it bundles', () => {
    const external = [...script.matchAll(/--external:(\S+)/g)].map((m) => m[1]!).sort();
    assert.deepEqual(external, Object.keys(pkg.dependencies).filter((d) => !BUNDLED.includes(d)).sort(),
      'a new dependency must be named --external in the build script (or bundled on purpose)');
    assert.doesNotMatch(script, /--packages=external/);
    assert.doesNotMatch(script, /--minify(\s|$)|--minify-identifiers/, 'identifiers keep their names: stack traces read without the map');
  });

  it('makes a bundle that loads and runs, CommonJS requires of the bundled packages included', () => {
    // Written under the repository, as dist/ is: the bundle's external packages resolve from its node_modules.
    const out = fs.mkdtempSync(path.join(repoRoot, 'node_modules', '.ix-build-test-'));
    try {
      const args = script.replace(/^node scripts\/with-node\.mjs esbuild /, '').replace('--outdir=dist', `--outdir=${out}`);
      const built = spawnSync('sh', ['-c', `node_modules/.bin/esbuild ${args}`], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      const help = spawnSync(process.execPath, [path.join(out, 'ixctl.mjs'), 'operator', '--help'], { cwd: os.tmpdir(), encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /--lease-namespace/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
