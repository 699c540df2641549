import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../src/lib/paths.ts';
import { NODE_MAJOR, unsupportedNode } from '../../src/lib/node-runtime.ts';

const read = (f: string) => fs.readFileSync(path.join(repoRoot, f), 'utf8');

describe('the Node.js runtime (ADR 0014)', () => {
  it('runs these tests, and the processes they start through process.execPath, on the pinned LTS line', () => {
    assert.equal(process.versions.node.split('.')[0], String(NODE_MAJOR), `the tests run on ${process.version}: run them through npm test (scripts/with-node.mjs)`);
    const child = spawnSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' });
    assert.equal(child.stdout.trim(), process.version);
  });

  it('names one line everywhere: .node-version, engines, esbuild target, images, and the code', () => {
    const pinned = read('.node-version').trim();
    assert.match(pinned, /^\d+\.\d+\.\d+$/);
    assert.equal(Number(pinned.split('.')[0]), NODE_MAJOR);
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> };
    assert.equal(pkg.engines.node, `>=${NODE_MAJOR}.0.0`);
    assert.match(pkg.scripts.build!, new RegExp(`--target=node${NODE_MAJOR} `));
    for (const f of ['images/operator.Dockerfile', 'images/dataplane.Dockerfile']) {
      const froms = read(f).split('\n').filter((l) => l.startsWith('FROM '));
      assert.ok(froms.length > 0);
      for (const l of froms) assert.match(l, new RegExp(`^FROM node:${NODE_MAJOR}-`), `${f}: ${l}`);
    }
    assert.match(read('bin/ixctl.js'), new RegExp(`major < ${NODE_MAJOR}\\)`));
  });

  it('every npm script that runs JavaScript goes through the launcher', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const direct = /^(tsx|eslint|tsc|esbuild|node-gyp|node) /;
    for (const [name, script] of Object.entries(pkg.scripts)) {
      assert.ok(script.startsWith('node scripts/with-node.mjs ') || !direct.test(script), `npm run ${name} runs ${script.split(' ')[0]} on whatever Node runs npm`);
    }
  });

  it('the launcher runs a command on the pinned line with node-gyp pointed at that Node\'s headers', () => {
    const r = spawnSync(process.execPath, ['scripts/with-node.mjs', 'node', '-p', 'process.version + " " + process.env.npm_config_nodedir'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [version, nodedir] = r.stdout.trim().split(' ');
    assert.equal(version!.split('.')[0], `v${NODE_MAJOR}`);
    assert.ok(fs.existsSync(path.join(nodedir!, 'include', 'node', 'node_api.h')), `no headers under ${nodedir}`);
  });

  it('an older Node gets one line that says what to do', () => {
    const said = unsupportedNode('v20.20.2');
    assert.ok(said && !said.includes('\n'));
    assert.match(said, /Node\.js 26 or newer \(this is v20\.20\.2\).*npm start/);
    assert.equal(unsupportedNode('v22.19.0')?.includes('v22.19.0'), true);
    assert.equal(unsupportedNode(`v${NODE_MAJOR}.0.0`), undefined);
    assert.equal(unsupportedNode(`v${NODE_MAJOR + 1}.1.0`), undefined);
  });
});
