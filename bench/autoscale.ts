// npm run bench:autoscale [-- --replicas 10,30 --cores 2 --consolidate-after 10s]
// Karpenter (kwok provider) against a simulated cluster with no node of its own: a Dataplane is
// scaled from 0 to N replicas and back to 0, and, side by side under the same Karpenter, a
// Deployment of N ordinary pods with the same requests through kube-scheduler (no CPU or VF
// pinning): the reference for what the operator's placement adds to a scale-out that needs new
// nodes. Reports the time from the scale-out to all N Ready (node launch included), the nodes
// Karpenter launched against the fewest (and the cheapest set) that would hold N, and the nodes
// left after the scale-in once Karpenter has consolidated (or after --settle).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { SimCluster } from '../src/sim/cluster.ts';
import { Karpenter } from '../src/sim/karpenter.ts';
import { LaunchedNodeAgents } from '../src/sim/launched-nodes.ts';
import { launchedNodes } from '../src/sim/karpenter-state.ts';
import { DEFAULT_INSTANCE_TYPES } from '../src/sim/karpenter-resources.ts';
import { DEFAULT_VF_RESOURCE } from '../src/sim/fake-node.ts';
import { Operator } from '../src/operator/manager.ts';
import { PROCESS_OVERHEAD_BYTES } from '../src/operator/dataplane/pod-builder.ts';
import { quantityToBytes } from '../src/operator/dataplane/quantity.ts';
import { isPodReady } from '../src/operator/dataplane/status.ts';
import { allocationsFromPods } from '../src/operator/allocations.ts';
import { placementNodes } from '../src/operator/inventory.ts';
import { checkAllocations } from '../src/operator/placement/index.ts';
import type { DataplaneNode } from '../src/api/dataplane-node.ts';
import { log as operatorLog } from '../src/lib/log.ts';
import { durationMs } from '../src/lib/duration.ts';
import { sleep } from '../src/lib/kube.ts';
import { repoRoot } from '../src/lib/paths.ts';
import { cheapestFit, fewestNodes, type PodShape } from './lib/autoscale-fit.ts';
import { table } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string', default: '10,30' },
    cores: { type: 'string', default: '2' },
    'consolidate-after': { type: 'string', default: '10s' },
    settle: { type: 'string', default: '180s' },
  },
});
const TARGETS = args.replicas.split(',').map(Number);
const CORES = Number(args.cores);
const SETTLE_MS = durationMs(args.settle);
const MEMORY = '64Mi';
const VF = DEFAULT_VF_RESOURCE;
const POOL = { 'ix.dev/bench': 'autoscale' };
const NS = { ix: 'bench-ix', sched: 'bench-sched' };
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const pod: PodShape = { cpuMillis: CORES * 1000, memoryBytes: quantityToBytes(MEMORY) + PROCESS_OVERHEAD_BYTES, vfs: 1 };

interface Run {
  scheduler: 'ix-operator' | 'kube-scheduler';
  replicas: number;
  readyMs: number;
  launched: string[];
  leftAfterScaleIn: number;
  consolidatedMs?: number;
  violations: number;
}

const cluster = await SimCluster.create({ name: `ix-bench-as-${process.pid}`, withCrds: true, log });
const stops: (() => Promise<void>)[] = [];
try {
  const kc = cluster.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const karpenter = await Karpenter.start(cluster, { vfResource: VF, labels: POOL, consolidateAfter: args['consolidate-after'], log });
  stops.push(() => karpenter.stop());
  const agents = new LaunchedNodeAgents(kc, VF, log);
  agents.start();
  stops.push(() => agents.stop());
  for (const name of Object.values(NS)) await core.createNamespace({ body: { metadata: { name } } });
  await waitUntil('the namespaces\' service accounts', async () => !!(await core.readNamespacedServiceAccount({ name: 'default', namespace: NS.sched }).catch(() => undefined)), 60_000);
  const operator = new Operator({
    kubeConfig: kc, log: operatorLog, defaultImage: 'registry.invalid/ix-operator:bench', leaderElection: false, leaseNamespace: NS.ix, leaseName: 'ix-operator',
    watchNamespace: NS.ix, identity: 'bench', metricsAddress: undefined, rebalanceIntervalMs: 0,
  });
  await operator.start();
  stops.push(() => operator.stop());
  await custom.createNamespacedCustomObject({
    group: 'ix.dev', version: 'v1alpha1', namespace: NS.ix, plural: 'dataplanes',
    body: { apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', metadata: { name: 'cache' }, spec: { replicas: 0, cores: { min: CORES, max: CORES }, memory: MEMORY, network: { resourceName: VF }, placement: { nodeSelector: POOL } } },
  });
  const requests = { cpu: String(CORES), memory: String(pod.memoryBytes), [VF]: '1' };
  await apps.createNamespacedDeployment({
    namespace: NS.sched,
    body: {
      metadata: { name: 'plain' },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'plain' } },
        template: { metadata: { labels: { app: 'plain' } }, spec: { nodeSelector: POOL, containers: [{ name: 'c', image: 'registry.invalid/x', resources: { requests, limits: requests } }] } },
      },
    },
  });
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const scaleTo: Record<Run['scheduler'], (n: number) => Promise<unknown>> = {
    'ix-operator': (n) => custom.patchNamespacedCustomObjectScale({ group: 'ix.dev', version: 'v1alpha1', namespace: NS.ix, plural: 'dataplanes', name: 'cache', body: { spec: { replicas: n } } }, merge),
    'kube-scheduler': (n) => apps.patchNamespacedDeploymentScale({ namespace: NS.sched, name: 'plain', body: { spec: { replicas: n } } }, merge),
  };
  const namespaceOf = { 'ix-operator': NS.ix, 'kube-scheduler': NS.sched };

  const violations = async () => {
    const pods = (await core.listPodForAllNamespaces()).items;
    const dpns = ((await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes' })) as { items: DataplaneNode[] }).items;
    return checkAllocations(placementNodes(dpns, (await core.listNode()).items, pods), allocationsFromPods(pods).allocations).length;
  };

  const measure = async (scheduler: Run['scheduler'], n: number): Promise<Run> => {
    const namespace = namespaceOf[scheduler];
    const t0 = Date.now();
    await scaleTo[scheduler](n);
    await waitUntil(`${n} ${scheduler} pods Ready`, async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      return pods.filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp).length === n;
    }, 600_000);
    const readyMs = Date.now() - t0;
    const launched = (await launchedNodes(kc)).map((node) => node.metadata?.labels?.['node.kubernetes.io/instance-type'] ?? '?').sort();
    const held = await violations();
    log(`${scheduler}: ${n} Ready in ${(readyMs / 1000).toFixed(1)} s on ${launched.length} launched nodes (${launched.join(', ')})`);
    const t1 = Date.now();
    await scaleTo[scheduler](0);
    const consolidated = await waitUntil('Karpenter to remove the emptied nodes', async () => (await launchedNodes(kc)).length === 0, SETTLE_MS).then(() => Date.now() - t1, () => undefined);
    const left = (await launchedNodes(kc)).length;
    log(`${scheduler}: after the scale-in ${left} launched nodes left${consolidated === undefined ? ` after ${args.settle}` : ` (all gone in ${(consolidated / 1000).toFixed(1)} s)`}`);
    // The next run starts from no launched node at all.
    await waitUntil('no launched node', async () => (await launchedNodes(kc)).length === 0, 600_000);
    return { scheduler, replicas: n, readyMs, launched, leftAfterScaleIn: left, consolidatedMs: consolidated, violations: held };
  };

  const runs: Run[] = [];
  for (const n of TARGETS) {
    runs.push(await measure('ix-operator', n));
    runs.push(await measure('kube-scheduler', n));
  }

  const summary = (types: string[]) => Object.entries(types.reduce<Record<string, number>>((m, t) => ({ ...m, [t]: (m[t] ?? 0) + 1 }), {})).map(([t, c]) => `${c}x${t}`).join('+') || '-';
  const rows = runs.map((r) => {
    const fewest = fewestNodes(DEFAULT_INSTANCE_TYPES, pod, r.replicas);
    const cheapest = cheapestFit(DEFAULT_INSTANCE_TYPES, pod, r.replicas);
    const reference = runs.find((q) => q.replicas === r.replicas && q.scheduler === 'kube-scheduler')!;
    return [
      r.scheduler, r.replicas, (r.readyMs / 1000).toFixed(1), (r.readyMs / reference.readyMs).toFixed(2),
      `${r.launched.length} (${summary(r.launched)})`, `${fewest.nodes}x${fewest.type}`, `${cheapest.nodes} ($${cheapest.price.toFixed(2)}/h)`,
      r.leftAfterScaleIn, r.consolidatedMs === undefined ? `> ${args.settle}` : (r.consolidatedMs / 1000).toFixed(1), r.scheduler === 'ix-operator' ? r.violations : '-',
    ];
  });
  const report = table(
    ['scheduler', 'replicas', 'to Ready s', 'vs kube-scheduler', 'nodes launched', 'fewest that fit', 'cheapest set', 'left after scale-in', 'consolidated s', 'held twice'],
    rows,
  );
  process.stdout.write(`\nKarpenter ${'(kwok provider)'}; replicas of ${CORES} CPUs, ${MEMORY} + process overhead, 1 VF; instance types ${DEFAULT_INSTANCE_TYPES.map((t) => `${t.name} (${t.cpus} CPUs, ${t.vfs} VFs, $${t.price}/h)`).join(', ')}; consolidateAfter ${args['consolidate-after']}\n\n${report}\n`);
  const out = path.join(repoRoot, 'bench', 'results', `autoscale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ cores: CORES, memory: MEMORY, consolidateAfter: args['consolidate-after'], runs }, null, 2));
  log(`results in ${out}`);
} finally {
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(String(e)));
  await cluster.delete();
}

/** Polls `check` every 200 ms until it is true; rejects after `timeoutMs`. */
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}
