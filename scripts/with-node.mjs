#!/usr/bin/env node
// Runs a command on the project's Node.js LTS (docs/adr/0014-node-lts-runtime.md).
//
//   node scripts/with-node.mjs <command> [args...]     (every npm script that runs JS goes through this)
//
// The Node that runs npm may be an older one (Node 20 is still the default on these machines and on
// many newcomers'), so this file is plain JavaScript that any Node since 18 can run. When the running
// Node has the major version named in .node-version it is used as it is; otherwise the exact version
// of .node-version is taken from the npm registry, which ships the official binaries as the package
// node-<platform>-<arch>, once, into ~/.cache/ix-operator/node/v<version>/. The command then runs with
// that Node first on PATH (so `tsx`, `eslint`, `node-gyp` and every `#!/usr/bin/env node` script pick
// it up, and every child a test starts through process.execPath is on it too), and with
// npm_config_nodedir pointing at its headers, so node-gyp builds the native addon for that Node
// without downloading anything.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wanted = fs.readFileSync(path.join(repoRoot, '.node-version'), 'utf8').trim();
const wantedMajor = Number(wanted.split('.')[0]);

function fail(message) {
  process.stderr.write(`ix-operator: ${message}\n`);
  process.exit(1);
}

/** The prefix (the folder holding bin/node and include/node) of the Node to run on. */
function nodePrefix() {
  if (process.env.IX_NODE) return path.resolve(path.dirname(process.env.IX_NODE), '..');
  if (Number(process.versions.node.split('.')[0]) === wantedMajor) return path.resolve(path.dirname(process.execPath), '..');
  const cache = process.env.IX_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ix-operator');
  const prefix = path.join(cache, 'node', `v${wanted}`);
  if (!fs.existsSync(path.join(prefix, 'bin', 'node'))) {
    const problem = fetchNode(prefix);
    if (problem) fail(`needs Node.js ${wantedMajor} (this is ${process.version}) and ${problem}. Install Node.js ${wantedMajor} and put it first on PATH, or set IX_NODE=/path/to/bin/node.`);
  }
  return prefix;
}

class FetchError extends Error {}

/** Unpacks node-<platform>-<arch>@<wanted> from the npm registry into `prefix` (atomically: a rename). */
function fetchNode(prefix) {
  const pkg = `node-${process.platform}-${process.arch}@${wanted}`;
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const work = fs.mkdtempSync(`${prefix}.partial-`);
  try {
    process.stderr.write(`ix-operator: fetching Node.js ${wanted} (${pkg}) into ${prefix} (once)\n`);
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const packed = spawnSync(npm[0], [...npm.slice(1), 'pack', pkg, '--json', '--loglevel=error', '--pack-destination', work], { encoding: 'utf8', cwd: work });
    if (packed.error) throw new FetchError(packed.error.message);
    if (packed.status !== 0) {
      const said = (packed.stderr || '').split('\n').map((l) => l.replace(/^npm error /, '').trim()).filter(Boolean);
      throw new FetchError(said.slice(0, 2).join(': ') || `npm pack exited ${packed.status}`);
    }
    const tarball = path.join(work, JSON.parse(packed.stdout)[0].filename);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', work], { encoding: 'utf8' });
    if (untar.status !== 0) throw new FetchError(`tar: ${(untar.stderr || '').trim() || untar.error?.message}`);
    fs.rmSync(tarball);
    const unpacked = path.join(work, 'package');
    const probe = spawnSync(path.join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
    if (probe.stdout?.trim() !== `v${wanted}`) throw new FetchError(`the unpacked binary does not run here (${probe.error?.message ?? probe.stderr?.trim()})`);
    try {
      fs.renameSync(unpacked, prefix);
    } catch (err) {
      // Another process fetched it at the same time: keep theirs.
      if (!fs.existsSync(path.join(prefix, 'bin', 'node'))) throw err;
    }
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    return `could not fetch ${pkg} from the npm registry (${err.message})`;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return undefined;
}

const [command, ...args] = process.argv.slice(2);
if (!command) fail('usage: node scripts/with-node.mjs <command> [args...]');
const prefix = nodePrefix();
const bin = path.join(prefix, 'bin');
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
// node-gyp reads npm_config_nodedir: the headers of the Node that will load the addon, never a download.
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
// `node` itself: the chosen binary, not a lookup that could find the old one through a shell alias.
const child = spawn(command === 'node' ? path.join(bin, 'node') : command, args, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (err) => fail(`cannot run ${command}: ${err.message}`));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  else process.exit(code ?? 1);
});
