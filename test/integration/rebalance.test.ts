// End to end, IX's two-level control plane on the real control plane: a kwok node whose pod CIDR is
// in 127.0.0.0/8, a real dataplane process started for the operator's pod on the pod's IP (with
// the pod's own arguments, its token from the Secret the operator made, and its annotations file
// kept current as the kubelet would), and the operator rebalancing from the real /v1/load while the
// project's load generator steps low → high → low. Cores go up and come back down, and no request
// is lost on any connection while flow groups migrate between threads.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { parseCpuset } from '../../src/lib/cpuset.ts';
import { LoadGenerator, type StepResult } from '../../bench/loadgen/load-generator.ts';

const tc = await useTestCluster('rebal');
await installCrds(tc);
const nodes = await tc.cluster.addNodes(1, { cpus: 8, vfs: 2, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodes);
after(stopOperators);
await startOperator(tc, { rebalanceIntervalMs: 300, scaleOutAfterMs: 60_000 });

await createDataplane(tc, 'cache', {
  replicas: 1, cores: { min: 1, max: 2 }, slo: { p99: '1ms' },
  placement: { wholeCores: false },
  rebalance: { addQueueLength: 4, removeQueueLength: 2, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '1s' },
});
const [pod] = await waitForRunningPods(tc, 'cache', 1);
const podName = pod!.metadata!.name!;
await waitFor('a pod IP from the node\'s 127/8 pod CIDR', async () => {
  const p = await tc.core.readNamespacedPod({ name: podName, namespace: tc.namespace });
  return p.status?.podIP?.startsWith('127.') ? true : undefined;
});
const livePod = () => tc.core.readNamespacedPod({ name: podName, namespace: tc.namespace });
const podIp = (await livePod()).status!.podIP!;
const grant = async () => parseCpuset((await livePod()).metadata!.annotations!['ix.dev/cpus']!);

// What the kubelet would mount: the token Secret and the pod's annotations (downward API).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-rebal-'));
const tokenFile = path.join(dir, 'token');
const secret = await tc.core.readNamespacedSecret({ name: 'cache-control-token', namespace: tc.namespace });
fs.writeFileSync(tokenFile, Buffer.from(secret.data!.token!, 'base64'));
const annotationsFile = path.join(dir, 'annotations');
const writeAnnotations = (p: k8s.V1Pod) => {
  const text = Object.entries(p.metadata?.annotations ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n';
  fs.writeFileSync(`${annotationsFile}.new`, text);
  fs.renameSync(`${annotationsFile}.new`, annotationsFile);
};
writeAnnotations(await livePod());
let kubeletSync = true;
const kubelet = (async () => {
  let last = '';
  while (kubeletSync) {
    const p = await livePod().catch(() => undefined);
    const now = JSON.stringify(p?.metadata?.annotations ?? {});
    if (p && now !== last) { writeAnnotations(p); last = now; }
    await new Promise((r) => setTimeout(r, 200));
  }
})();

// The dataplane, with the arguments the operator gave the pod; only file paths are local.
const args = [...(await livePod()).spec!.containers[0]!.args!];
const swap = (flag: string, value: string) => { args[args.indexOf(flag) + 1] = value; };
swap('--listen', podIp);
swap('--cpus-from', annotationsFile);
swap('--token-file', tokenFile);
const dataplane: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
let dpLog = '';
dataplane.stderr!.on('data', (d: Buffer) => (dpLog += d.toString()));
after(async () => {
  kubeletSync = false;
  await kubelet;
  dataplane.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});
await waitFor('the dataplane on the pod IP', async () => {
  if (dataplane.exitCode !== null) throw new Error(`the dataplane exited: ${dpLog}`);
  return (await fetch(`http://${podIp}:9121/readyz`).catch(() => undefined))?.ok ? true : undefined;
}, 30_000);

const target = { host: podIp, port: 11211 };
const workload = { keys: 2000, keySize: 16, valueSize: 32, getRatio: 0.9 };
const lost = (r: StepResult) => r.unanswered + r.errors + r.misses;

describe('the operator rebalancing real dataplanes', () => {
  it('grants a core under a load step, takes it back when the load falls, and loses no request', async () => {
    assert.deepEqual(await grant(), [await grant().then((g) => g[0]!)], 'placed with cores.min = 1 CPU');
    const gen = LoadGenerator.start(1);
    const grants: number[][] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        grants.push(await grant());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await gen.populate(target, workload, 4);
      const low = await gen.run(target, workload, { rate: 500, connections: 8, depth: 1, warmupMs: 200, durationMs: 1500, drainMs: 3000, seed: 1 });
      assert.equal(lost(low), 0, `low load: ${JSON.stringify({ unanswered: low.unanswered, errors: low.errors, misses: low.misses, firstError: low.firstError })}`);
      // Far more than one thread can serve: queues build, the local controller has no granted CPU
      // to add, so the rebalancer must grant one.
      const high = await gen.run(target, workload, { rate: 400_000, connections: 16, depth: 16, warmupMs: 200, durationMs: 4000, drainMs: 10_000, seed: 2 });
      assert.equal(high.unanswered + high.errors + high.misses, 0, `high load: ${JSON.stringify({ unanswered: high.unanswered, errors: high.errors, misses: high.misses, firstError: high.firstError })}`);
      assert.ok(grants.some((g) => g.length === 2), `a second CPU was granted under load (grants seen: ${[...new Set(grants.map((g) => g.join(',')))].join(' | ')})`);
      const back = await gen.run(target, workload, { rate: 200, connections: 8, depth: 1, warmupMs: 200, durationMs: 4000, drainMs: 3000, seed: 3 });
      assert.equal(lost(back), 0, 'low load again: nothing lost');
      await waitFor('the core given back', async () => ((await grant()).length === 1 ? true : undefined), 15_000, 200);
    } finally {
      watching = false;
      await watcher;
      await gen.close();
    }
    const events = (await tc.core.listNamespacedEvent({ namespace: tc.namespace })).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => /^CoresAdded: cache-\w+: all 1 CPUs running threads and congested \(queue [\d.]+, queuing delay \d+us/.test(e)), events.join('\n'));
    assert.ok(events.some((e) => /^CoresRemoved: cache-\w+: 1 of 2 CPUs running threads for [\d.]+s/.test(e)), events.join('\n'));
    // The dataplane moved threads with the grant (its own log says so).
    assert.match(dpLog, /granted CPUs now \d+,\d+/);
    const dp = await tc.kubectlAsync(['get', 'dp', 'cache', '-n', tc.namespace, '-o', 'jsonpath={.status.pods[0].p99}']);
    assert.match(dp.stdout, /^\d+(\.\d+)?(us|ms|s)$/, 'status shows the pod\'s p99');
  });
});
