// npm run bench:operator [-- --pods 1000 --nodes 200 --replicas 5]
// Places N dataplane pods over M kwok nodes with the operator running as its own process, and,
// side by side in the same cluster, the same number of ordinary pods through kube-scheduler (no CPU
// or VF pinning): the reference for what "fast" means on this machine. Reports times to placed and
// to Ready, placements per second, the operator's API writes and peak RSS, and checks that no CPU
// or VF was given twice. Profiles on request, by environment: IX_BENCH_CPU_PROFILE=<dir> (the
// operator's V8 CPU profile), IX_BENCH_APISERVER_PROFILE=<file> (the apiserver's pprof over the first
// 20 s of placements), IX_BENCH_HEAP_SNAPSHOT=<dir> (the operator's heap once every pod runs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { SimCluster } from '../src/sim/cluster.ts';
import { freePort } from '../src/lib/net.ts';
import { httpStatusOf, sleep, waitFor } from '../src/lib/kube.ts';
import { repoRoot } from '../src/lib/paths.ts';
import { allocationsFromPods } from '../src/operator/allocations.ts';
import { placementNodes } from '../src/operator/inventory.ts';
import { checkAllocations } from '../src/operator/placement/index.ts';
import type { DataplaneNode } from '../src/api/dataplane-node.ts';
import { table } from './lib/table.ts';
import { PodProgress } from './lib/pod-progress.ts';
import { countWrites, profileApiserver } from './lib/apiserver-requests.ts';
import { OPERATOR_NODE_FLAGS } from '../src/operator/node-flags.ts';
import { processCpuMs } from '../src/lib/proc-stat.ts';

const { values: args } = parseArgs({
  options: { pods: { type: 'string', default: '1000' }, nodes: { type: 'string', default: '200' }, replicas: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const PODS = Number(args.pods);
const NODES = Number(args.nodes);
const REPLICAS = Number(args.replicas);
const DATAPLANES = Math.ceil(PODS / REPLICAS);
/** The control plane's processes whose CPU time the bench reports, by kwokctl's pid files. */
const COMPONENTS = ['kube-apiserver', 'etcd', 'kwok-controller', 'kube-scheduler', 'kube-controller-manager'] as const;
type Component = (typeof COMPONENTS)[number];

/** How long a phase may take: 60 ms a pod, at least 3 minutes (10,000 pods at kube-scheduler's 50 binds a second take 200 s). */
const PHASE_TIMEOUT_MS = Math.max(180_000, PODS * 60);
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const cluster = await SimCluster.create({ name: `ix-bench-${process.pid}`, withCrds: true, log });
let operatorProc: ReturnType<typeof spawn> | undefined;
try {
  const t0 = Date.now();
  await cluster.addNodes(NODES, { cpus: 64, vfs: 16 }, { inventory: true });
  await cluster.waitForNodesReady(Array.from({ length: NODES }, (_, i) => `kwok-node-${i}`), Math.max(120_000, NODES * 300));
  log(`${NODES} nodes Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const kc = cluster.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  for (const ns of ['bench-ix', 'bench-sched']) await core.createNamespace({ body: { metadata: { name: ns } } });
  await waitFor('service accounts', async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'bench-sched' });
    return true;
  });

  // --- reference: kube-scheduler places the same number of ordinary pods (same requests, no pinning).
  const schedProgress = await PodProgress.start(kc, 'bench-sched');
  const schedCpu = controlPlaneCpu(cluster);
  const schedWrites = await countWrites(kc);
  const s0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < PODS; i++) {
    pending.push(core.createNamespacedPod({ namespace: 'bench-sched', body: { metadata: { name: `plain-${i}`, labels: { app: 'plain' } }, spec: { containers: [{ name: 'c', image: 'registry.invalid/x', resources: { requests: { cpu: '2', memory: '192Mi' }, limits: { cpu: '2', memory: '192Mi' } } }] } } }));
    if (pending.length >= 32) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const schedCreated = Date.now() - s0;
  const schedBound = (await schedProgress.when('bound', PODS, PHASE_TIMEOUT_MS)) - s0;
  const schedRunning = (await schedProgress.when('running', PODS, PHASE_TIMEOUT_MS)) - s0;
  const schedCpuUsed = schedCpu.used();
  const schedWritesSeen = await schedWrites.done();
  await schedProgress.stop();
  log(`kube-scheduler: ${PODS} pods bound in ${schedBound} ms, Running in ${schedRunning} ms`);
  // A delete of 10,000 pods outlasts the apiserver's 60 s request timeout (504) and stops where it
  // got to: asked again until none are left.
  await waitFor('plain pods gone', async () => {
    if ((await core.listNamespacedPod({ namespace: 'bench-sched', limit: 1 })).items.length === 0) return true;
    await core.deleteCollectionNamespacedPod({ namespace: 'bench-sched', gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (httpStatusOf(e) !== 504) throw e;
    });
    return undefined;
  }, PHASE_TIMEOUT_MS, 1_000);

  // --- ix-operator, as its own process, in its production form: the esbuild bundle (npm run build).
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const httpPort = await freePort();
  const profile = process.env.IX_BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.IX_BENCH_CPU_PROFILE] : [];
  // IX_BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot of the operator once every pod runs (what its RSS holds).
  const heapDir = process.env.IX_BENCH_HEAP_SNAPSHOT;
  if (heapDir) profile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapDir}`);
  operatorProc = spawn(process.execPath, [...profile, ...OPERATOR_NODE_FLAGS, 'dist/ixctl.mjs', 'operator', '--kubeconfig', cluster.kubeconfigPath, '--no-leader-elect', '--lease-namespace', 'bench-ix', '--http-address', `127.0.0.1:${httpPort}`, '--dataplane-image', 'registry.invalid/ix:bench'],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, IX_LOG_LEVEL: 'warn' } });
  operatorProc.stderr?.on('data', (d: Buffer) => process.stderr.write(`[operator] ${d}`));
  await waitFor('the operator to be ready', async () => {
    if (operatorProc!.exitCode !== null) throw new Error(`the operator exited with code ${operatorProc!.exitCode} (its stderr is above)`);
    return (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.ok ? true : undefined;
  }, 60_000);
  const rssBaseline = vmHwmKiB(operatorProc.pid!);

  const ixProgress = await PodProgress.start(kc, 'bench-ix');
  const ixCpu = controlPlaneCpu(cluster);
  const ixWrites = await countWrites(kc);
  const i0 = Date.now();
  // IX_BENCH_APISERVER_PROFILE=<file>: a pprof CPU profile of the apiserver over the first 20 s of the placements.
  const apiserverProfile = process.env.IX_BENCH_APISERVER_PROFILE ? profileApiserver(kc, 20, process.env.IX_BENCH_APISERVER_PROFILE) : undefined;
  for (let d = 0; d < DATAPLANES; d += 32) {
    await Promise.all(Array.from({ length: Math.min(32, DATAPLANES - d) }, (_, j) => custom.createNamespacedCustomObject({
      group: 'ix.dev', version: 'v1alpha1', namespace: 'bench-ix', plural: 'dataplanes',
      body: { apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', metadata: { name: `dp-${d + j}` }, spec: { replicas: REPLICAS, cores: { min: 2, max: 4 }, network: { resourceName: 'intel.com/sriov_netdevice' } } },
    })));
  }
  const ixCreated = Date.now() - i0;
  const total = DATAPLANES * REPLICAS;
  const ixPlaced = (await ixProgress.when('bound', total, PHASE_TIMEOUT_MS)) - i0;
  const ixRunning = (await ixProgress.when('running', total, PHASE_TIMEOUT_MS)) - i0;
  const ixCpuUsed = ixCpu.used();
  const ixWritesSeen = await ixWrites.done();
  await apiserverProfile;
  await ixProgress.stop();
  const ixReady = await timeUntil(i0, async () => {
    const list = (await custom.listNamespacedCustomObject({ group: 'ix.dev', version: 'v1alpha1', namespace: 'bench-ix', plural: 'dataplanes' })) as { items: { status?: { readyReplicas?: number } }[] };
    return list.items.filter((d) => d.status?.readyReplicas === REPLICAS).length === DATAPLANES;
  }, PHASE_TIMEOUT_MS);
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const apiCalls = sumMetric(metrics, 'ix_api_call_duration_seconds_count');
  const reconciles = sumMetric(metrics, 'controller_runtime_reconcile_total');
  const peakRss = vmHwmKiB(operatorProc.pid!);
  if (heapDir) await heapSnapshot(operatorProc.pid!, heapDir);

  const pods = (await core.listPodForAllNamespaces()).items;
  const dpns = ((await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes' })) as { items: DataplaneNode[] }).items;
  const violations = checkAllocations(placementNodes(dpns, (await core.listNode()).items, pods), allocationsFromPods(pods).allocations);

  console.log(`\nbench:operator — ${total} dataplane pods (${DATAPLANES} Dataplanes x ${REPLICAS}, 2 dedicated CPUs + 1 VF each) over ${NODES} kwok nodes (64 CPUs, 16 VFs)\n`);
  console.log(table(['', 'ix-operator', 'kube-scheduler (no pinning)', 'ratio ix/sched'], [
    ['objects created (ms)', ixCreated, schedCreated, (ixCreated / schedCreated).toFixed(2)],
    ['all placed + bound (ms)', ixPlaced, schedBound, (ixPlaced / schedBound).toFixed(2)],
    ['all Running (ms)', ixRunning, schedRunning, (ixRunning / schedRunning).toFixed(2)],
    ['placements per second', Math.round(total / (ixPlaced / 1000)), Math.round(PODS / (schedBound / 1000)), ((total / ixPlaced) / (PODS / schedBound)).toFixed(2)],
    ...COMPONENTS.map((c) => [`${c} CPU until all Running (ms per pod)`, (ixCpuUsed[c] / total).toFixed(2), (schedCpuUsed[c] / PODS).toFixed(2), (ixCpuUsed[c] / total / (schedCpuUsed[c] / PODS)).toFixed(2)]),
  ]));
  const calls = metricByLabel(metrics, 'ix_api_call_duration_seconds_count', 'call');
  const seconds = metricByLabel(metrics, 'ix_api_call_duration_seconds_sum', 'call');
  console.log(`\n${table(['operator API write', 'count', 'per pod', 'mean ms'], [...calls].sort((a, b) => b[1] - a[1]).map(([call, n]) =>
    [call, n, (n / total).toFixed(2), ((seconds.get(call) ?? 0) / n * 1000).toFixed(1)]))}`);
  const schedByKey = new Map(schedWritesSeen);
  const keys = [...new Set([...ixWritesSeen.map(([k]) => k), ...schedWritesSeen.map(([k]) => k)])];
  console.log(`\n${table(['writes the apiserver served, all clients (until all Running)', 'ix-operator, per pod', 'kube-scheduler, per pod'], keys.map((k) =>
    [k, ((new Map(ixWritesSeen).get(k) ?? 0) / total).toFixed(2), ((schedByKey.get(k) ?? 0) / PODS).toFixed(2)]))}`);
  console.log(`\n${table(['operator', 'value'], [
    ['all Dataplanes Ready (ms)', ixReady],
    ['API writes (pods, bindings, attachments, events, status)', apiCalls],
    ['API writes per pod', (apiCalls / total).toFixed(2)],
    ['reconciles', reconciles],
    ['operator CPU time (s)', sumMetric(metrics, 'process_cpu_seconds_total').toFixed(1)],
    ['peak RSS (MiB)', (peakRss / 1024).toFixed(0)],
    ['JS heap in use at the end (MiB)', (sumMetric(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(0)],
    ['RSS before the load (MiB)', (rssBaseline / 1024).toFixed(0)],
    ['CPUs or VFs given twice', violations.length],
  ])}\n`);
  if (violations.length) {
    console.error(violations.slice(0, 5));
    process.exitCode = 1;
  }
} finally {
  if (operatorProc && operatorProc.exitCode === null) {
    const exited = new Promise((r) => operatorProc!.once('exit', r));
    operatorProc.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  if (!args.keep) await cluster.delete();
}

async function timeUntil(start: number, done: () => Promise<boolean>, timeoutMs = 180_000): Promise<number> {
  for (;;) {
    if (await done()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`not done after ${timeoutMs} ms`);
    await sleep(500); // a list of every Dataplane: often enough to time, rarely enough not to load the apiserver
  }
}

/** CPU time (user + system, ms) each control-plane process uses from now until used() is called. */
function controlPlaneCpu(c: SimCluster): { used: () => Record<Component, number> } {
  const read = () => Object.fromEntries(COMPONENTS.map((name) =>
    [name, processCpuMs(Number(fs.readFileSync(`${c.dir}/pids/${name}.pid`, 'utf8').trim()))])) as Record<Component, number>;
  const start = read();
  return { used: () => { const now = read(); return Object.fromEntries(COMPONENTS.map((n) => [n, now[n] - start[n]])) as Record<Component, number>; } };
}

/** Signals the process to write a heap snapshot into `dir` and waits until one is complete there. */
async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const before = new Set(fs.readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  await waitFor('the operator\'s heap snapshot', async () => {
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) return undefined;
    const size = fs.statSync(`${dir}/${file}`).size;
    await sleep(1_000);
    return size > 0 && fs.statSync(`${dir}/${file}`).size === size ? true : undefined;
  }, 120_000, 1_000);
  log(`heap snapshot of the operator in ${dir}`);
}

/** Peak resident set (VmHWM) of a process, KiB. */
function vmHwmKiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** A Prometheus metric's samples summed by one label's value. */
function metricByLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    if (!l.startsWith(`${name}{`)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(l)?.[1] ?? '';
    out.set(value, (out.get(value) ?? 0) + Number(l.split(' ').pop()));
  }
  return out;
}

function sumMetric(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}
