import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchCommand } from '../../../src/cli/bench.ts';
import { repoRoot } from '../../../src/lib/paths.ts';

describe('ixctl bench', () => {
  it('runs the script npm run bench:<name> runs, through tsx, from the repository root, with the flags given', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['operator', 'dataplane'] as const) {
      const cmd = benchCommand(name, ['--pods', '10']);
      assert.equal(cmd.file, process.execPath);
      assert.equal(cmd.cwd, repoRoot);
      assert.deepEqual(cmd.args, ['--import', 'tsx', path.join(repoRoot, 'bench', `${name}.ts`), '--pods', '10']);
      // npm's goes through the launcher (ADR 0014); ixctl already runs on the project's Node.
      assert.equal(pkg.scripts[`bench:${name}`], `node scripts/with-node.mjs tsx bench/${name}.ts`, 'the same script as the npm one');
    }
  });

  it('says that benchmarks need a checkout when bench/ is not there (as in an image)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-bench-'));
    try {
      assert.throws(() => benchCommand('operator', [], dir), /no bench\/operator\.ts under .*checkout of the repository/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
