// End to end, IX's two-level control plane on the real control plane: a kwok node whose pod CIDR is
// in 127.0.0.0/8, a real dataplane process started for each of the operator's pods on the pod's IP
// (test/helpers/real-dataplanes.ts plays the kubelet), and the operator rebalancing from the real
// /v1/load while the project's load generator steps low → high → low. Cores go up and come back
// down, and no request is lost on any connection while flow groups migrate between threads; a
// Dataplane at cores.max gets a second replica under the flood and gives it back when idle.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, getDataplane, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { RealDataplanes } from '../helpers/real-dataplanes.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { parseCpuset } from '../../src/lib/cpuset.ts';
import { LoadGenerator, type StepResult } from '../../bench/loadgen/load-generator.ts';

const tc = await useTestCluster('rebal');
await installCrds(tc);
const nodes = await tc.cluster.addNodes(1, { cpus: 8, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodes);
after(stopOperators);
await startOperator(tc, { rebalanceIntervalMs: 300, scaleOutAfterMs: 1_500, scaleInAfterMs: 3_000 });

await createDataplane(tc, 'cache', {
  replicas: 1, cores: { min: 1, max: 2 }, slo: { p99: '1ms' },
  placement: { wholeCores: false },
  rebalance: { addQueueLength: 4, removeQueueLength: 2, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '1s' },
});
const [pod] = await waitForRunningPods(tc, 'cache', 1);
const podName = pod!.metadata!.name!;
const livePod = () => tc.core.readNamespacedPod({ name: podName, namespace: tc.namespace });
const grant = async () => parseCpuset((await livePod()).metadata!.annotations!['ix.dev/cpus']!);
/** The grant and the dataplane container's CPU request and limit, read together. */
const grantAndResources = async () => {
  const p = await livePod();
  const r = p.spec!.containers.find((c) => c.name === 'dataplane')!.resources!;
  return { cpus: parseCpuset(p.metadata!.annotations!['ix.dev/cpus']!).length, requests: r.requests!.cpu, limits: r.limits!.cpu };
};
const cache = new RealDataplanes(tc, 'cache');
after(() => cache.stop());
const [real] = await cache.waitReady(1);
const podIp = real!.ip;

const target = { host: podIp, port: 11211 };
const workload = { keys: 2000, keySize: 16, valueSize: 32, getRatio: 0.9 };
const lost = (r: StepResult) => r.unanswered + r.errors + r.misses;

describe('the operator rebalancing real dataplanes', () => {
  it('grants a core under a load step, takes it back when the load falls, and loses no request', async () => {
    assert.deepEqual(await grant(), [await grant().then((g) => g[0]!)], 'placed with cores.min = 1 CPU');
    const gen = LoadGenerator.start(1);
    const grants: number[][] = [];
    const resources: Awaited<ReturnType<typeof grantAndResources>>[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        grants.push(await grant());
        resources.push(await grantAndResources());
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
      // The grant is the pod's truth for Kubernetes too (ADR 0018): the resize subresource set the
      // CPU request and limit to 2 while 2 were granted, and back to 1 after.
      assert.ok(resources.some((r) => r.cpus === 2 && r.requests === '2' && r.limits === '2'), `requests and limits followed the grant to 2: ${JSON.stringify([...new Set(resources.map((r) => JSON.stringify(r)))])}`);
      await waitFor('requests and limits back at 1 CPU', async () => {
        const r = await grantAndResources();
        return r.requests === '1' && r.limits === '1' ? true : undefined;
      }, 15_000, 200);
    } finally {
      watching = false;
      await watcher;
      await gen.close();
    }
    const events = (await tc.core.listNamespacedEvent({ namespace: tc.namespace })).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => /^CoresAdded: cache-\w+: all 1 CPUs running threads and congested \(queue [\d.]+, queuing delay \d+us/.test(e)), events.join('\n'));
    assert.ok(events.some((e) => /^CoresRemoved: cache-\w+: 1 of 2 CPUs running threads for [\d.]+s/.test(e)), events.join('\n'));
    // The dataplane moved threads with the grant (its own log says so).
    assert.match(real!.log, /granted CPUs now \d+,\d+/);
    const dp = await tc.kubectlAsync(['get', 'dp', 'cache', '-n', tc.namespace, '-o', 'jsonpath={.status.pods[0].p99}']);
    assert.match(dp.stdout, /^\d+(\.\d+)?(us|ms|s)$/, 'status shows the pod\'s p99');
  });
});

describe('horizontal scaling of real dataplanes', () => {
  it('adds a replica when the only one is congested at cores.max, and removes one when the load fits in fewer', async () => {
    await createDataplane(tc, 'scaler', {
      replicas: 1, cores: { min: 1, max: 1 }, slo: { p99: '1ms' },
      placement: { wholeCores: false },
      rebalance: { addQueueLength: 4, removeQueueLength: 2, removeIdleFraction: 0.5, autoscale: { enabled: true, minReplicas: 1, maxReplicas: 2 } },
    });
    await waitForRunningPods(tc, 'scaler', 1);
    const scaler = new RealDataplanes(tc, 'scaler');
    const gen = LoadGenerator.start(1);
    const replicas = async () => (await getDataplane(tc, 'scaler')).spec.replicas;
    try {
      const [first] = await scaler.waitReady(1);
      const one = { host: first!.ip, port: 11211 };
      await gen.populate(one, workload, 4);
      // One thread on its one CPU cannot serve this: congested with no core left to add.
      const flood = await gen.run(one, workload, { rate: 400_000, connections: 16, depth: 16, warmupMs: 200, durationMs: 4000, drainMs: 10_000, seed: 4 });
      assert.equal(lost(flood), 0, `flood: ${JSON.stringify({ unanswered: flood.unanswered, errors: flood.errors, misses: flood.misses, firstError: flood.firstError })}`);
      await waitFor('a second replica', async () => ((await replicas()) === 2 ? true : undefined), 15_000, 200);
      const both = await scaler.waitReady(2);
      // The /scale subresource (what an HPA reads) agrees with the spec.
      const scale = JSON.parse((await tc.kubectlAsync(['get', '--raw', `/apis/ix.dev/v1alpha1/namespaces/${tc.namespace}/dataplanes/scaler/scale`])).stdout) as { spec: { replicas: number } };
      assert.equal(scale.spec.replicas, 2);
      // Both replicas serve, and nothing is lost on either.
      for (const [i, p] of both.entries()) {
        const t = { host: p.ip, port: 11211 };
        const r = await gen.run(t, workload, { rate: 300, connections: 4, depth: 1, warmupMs: 200, durationMs: 1000, drainMs: 3000, seed: 10 + i });
        assert.equal(r.unanswered + r.errors, 0, `replica ${p.name} under light load: ${r.firstError ?? ''}`);
        assert.ok(r.achieved > 200, `replica ${p.name} answered ${r.achieved.toFixed(0)} req/s of 300`);
      }
      // Idle now: two replicas' work fits in one, for scaleInAfter (3 s).
      await waitFor('back to one replica', async () => ((await replicas()) === 1 ? true : undefined), 30_000, 200);
      await waitFor('one pod left', async () => ((await tc.core.listNamespacedPod({ namespace: tc.namespace, labelSelector: 'ix.dev/dataplane=scaler' })).items.length === 1 ? true : undefined), 30_000, 200);
    } finally {
      await gen.close();
      await scaler.stop();
    }
    const events = (await tc.core.listNamespacedEvent({ namespace: tc.namespace })).items.filter((e) => e.involvedObject.name === 'scaler').map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => /^ScaledOut: all 1 replica\(s\) congested for [\d.]+s with no core left to add \(1 at cores\.max, 0 without free CPUs on their node\): 1 → 2$/.test(e)), events.join('\n'));
    assert.ok(events.some((e) => /^ScaledIn: [\d.]+ CPUs busy over 2 idle replica\(s\) for [\d.]+s fit in 1 .*: 2 → 1$/.test(e)), events.join('\n'));
  });
});
