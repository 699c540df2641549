// Runs a test suite with node's test runner (through tsx).
//   tsx test/run.ts unit          pure-logic tests
//   tsx test/run.ts dataplane     the dataplane against real sockets, Debian's memcached (byte-for-byte
//                                 differential tests) and memccapable, once on each engine (io_uring,
//                                 libuv: IX_TEST_ENGINE)
//   tsx test/run.ts integration   tests against a real control plane: this script builds (or reuses)
//                                 the binaries, starts ONE shared simulated cluster, hands it to every
//                                 test file through IX_TEST_KUBECONFIG, and stops it afterwards.
// Node 20's --test does not expand globs, so the files are listed here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../src/lib/paths.ts';
import { SimCluster } from '../src/sim/cluster.ts';
import { ensureBinaries, MissingPrerequisiteError } from '../src/sim/binaries.ts';
import { isAlive } from '../src/sim/daemon.ts';
import { ENGINES } from '../src/dataplane/engine.ts';

const suite = process.argv[2];
const filter = process.argv[3];
if (suite !== 'unit' && suite !== 'dataplane' && suite !== 'integration') {
  console.error('usage: tsx test/run.ts unit|dataplane|integration [substring of a file path]');
  process.exit(2);
}

function testFiles(dir: string): string[] {
  const root = path.join(repoRoot, 'test', dir);
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && (!filter || f.includes(filter)))
    .map((f) => path.join(root, f))
    .sort();
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files,
    ], { stdio: 'inherit', env: { IX_LOG_LEVEL: 'warn', ...process.env, ...env }, cwd: repoRoot });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Clusters of earlier runs whose process died without stopping them. */
async function reapStaleClusters(): Promise<void> {
  for (const name of SimCluster.list()) {
    const pid = Number(/^ix-test-(\d+)$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    console.error(`[test] removing stale cluster ${name}`);
    await (await SimCluster.open(name)).delete().catch((e: unknown) => console.error(`[test] ${String(e)}`));
  }
}

const files = testFiles(suite);
if (files.length === 0) {
  console.error(`no test files found for ${suite}${filter ? ` matching ${filter}` : ''}`);
  process.exit(1);
}

if (suite === 'dataplane') {
  // The whole suite once per engine (ADR 0019); each run fails if its servers run the other one.
  let code = 0;
  for (const engine of ENGINES) {
    console.error(`[test] the dataplane suite on the ${engine} engine`);
    code ||= await runNodeTest(files, { IX_TEST_ENGINE: engine });
  }
  process.exit(code);
}
if (suite !== 'integration') {
  process.exit(await runNodeTest(files, {}));
}

let cluster: SimCluster | undefined;
const stop = async () => {
  if (cluster) await cluster.delete().catch((e: unknown) => console.error(`[test] could not stop the cluster: ${String(e)}`));
  cluster = undefined;
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));
process.on('SIGTERM', () => void stop().then(() => process.exit(143)));

try {
  const t0 = Date.now();
  const binaries = await ensureBinaries({ onProgress: (l) => console.error(l) });
  console.error(`[test] control-plane binaries ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${binaries.dir}`);
  await reapStaleClusters();
  const t1 = Date.now();
  cluster = await SimCluster.create({ name: `ix-test-${process.pid}`, log: (l) => console.error(`[test] ${l}`) });
  console.error(`[test] shared cluster up in ${((Date.now() - t1) / 1000).toFixed(1)} s at ${cluster.server}`);
  const code = await runNodeTest(files, {
    IX_TEST_KUBECONFIG: cluster.kubeconfigPath,
    IX_TEST_CLUSTER: cluster.name,
    IX_BIN_DIR: binaries.dir,
  });
  await stop();
  process.exit(code);
} catch (err) {
  await stop();
  if (err instanceof MissingPrerequisiteError) console.error(`error: ${err.message}`);
  else console.error(err);
  process.exit(1);
}
