// Chaos: the operator is SIGKILLed at random points (seeded; the seed is printed) while a scenario
// creates, scales, rolls out and deletes Dataplanes on kwok nodes and a real dataplane under bursts
// of load has its cores rebalanced; it is started again after each kill, as a Deployment would.
// Throughout, a checker reads every pod and asserts that no CPU and no VF is ever held by two pods
// (check-allocations.ts over the API's pods, the source of truth); after the last restart every
// Dataplane converges. Then the apiserver and etcd restart under the running operator: it
// reconnects, and a change made after the restart converges too. Last, two replicas under leader
// election (a short Lease), the leader SIGKILLed 10 times: the follower takes over each time.
// Bounded: 60 kills, about three minutes.
// This file runs a cluster of its own: it restarts it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../../src/api/dataplane.ts';
import { ANNOTATIONS } from '../../src/api/constants.ts';
import { sleep, waitFor } from '../../src/lib/kube.ts';
import { LoadGenerator } from '../../bench/loadgen/load-generator.ts';
import { Xorshift32 } from '../../bench/loadgen/poisson.ts';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, allocationViolations, dataplaneManifest } from '../helpers/operator.ts';
import { OperatorProcess, removeOperatorBundle } from '../helpers/operator-process.ts';
import { RealDataplanes } from '../helpers/real-dataplanes.ts';

const KILLS = 50;
/**
 * When each operator is SIGKILLed: one in five while it starts (this long after its spawn: loading,
 * listing, syncing its caches), the others this long after it began to reconcile.
 */
const STARTING_MS = { min: 100, max: 1_500 };
const RECONCILING_MS = { min: 0, max: 2_500 };
const NAMES = ['dp-a', 'dp-b', 'dp-c', 'dp-d', 'dp-e'];
/** At most this many of NAMES at once: their pods always fit, so everything can converge. */
const MAX_DATAPLANES = 4;

const seed = process.env.IX_CHAOS_SEED ? Number(process.env.IX_CHAOS_SEED) : randomInt(2 ** 31);
console.error(`[chaos] seed ${seed} (IX_CHAOS_SEED=${seed} replays this run's choices, though not their timing)`);
/** Two streams of draws, so the kills and the scenario get the same numbers however they interleave. */
function draws(rng: Xorshift32) {
  return {
    next: () => rng.next(),
    uniform: (lo: number, hi: number) => lo + (hi - lo) * rng.next(),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!,
  };
}
const scenarioDraw = draws(new Xorshift32(seed));
const killDraw = draws(new Xorshift32(seed ^ 0x5bd1e995));

const tc = await useTestCluster('chaos', { ownCluster: {} });
await installCrds(tc);
// 4 nodes of 16 CPUs (2 cells, core 0 of each kept for the system: 12 dedicatable) and 4 VFs.
const nodes = await tc.cluster.addNodes(4, { cpus: 16, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodes);
const ns = tc.namespace;
const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const dpApi = { group: 'ix.dev', version: 'v1alpha1', namespace: ns, plural: 'dataplanes' };

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-chaos-'));
const operatorLog = path.join(logDir, 'operator.log');
const commonArgs = ['--kubeconfig', tc.kubeconfigPath, '--watch-namespace', ns, '--lease-namespace', ns,
  '--http-address', 'off', '--rebalance-interval', '300ms', '--scale-in-after', '3s'];
const operatorArgs = [...commonArgs, '--no-leader-elect'];
/** Two replicas as the chart runs them, on a short Lease so that each hand-over takes about 2 s, not 15. */
const LEADER_KILLS = 10;
const electingArgs = [...commonArgs, '--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '1500ms', '--leader-elect-retry-period', '300ms'];
console.error(`[chaos] operator logs: ${operatorLog}`);
let operator = await OperatorProcess.start(operatorArgs, operatorLog);
/** The two electing replicas of the last test. */
const replicas: OperatorProcess[] = [];
const rebal = new RealDataplanes(tc, 'rebal');
const gen = LoadGenerator.start(1);
/** The checker runs from the first kill to the end of the file. */
let checking = true;
let checker: Promise<void> | undefined;
tc.onCleanup(async () => {
  checking = false;
  await checker;
  await Promise.all([operator, ...replicas].map((p) => p.stop()));
  await gen.close();
  await rebal.stop();
  removeOperatorBundle();
});

// ---- what the test does meanwhile --------------------------------------------------------------

/** Dataplanes the scenario made and has not deleted (by name). */
const present = new Set<string>();
const actions: Record<string, number> = { create: 0, scale: 0, rollout: 0, delete: 0, refused: 0 };

function randomSpec(): Record<string, unknown> {
  const min = scenarioDraw.pick([1, 2]);
  return {
    replicas: scenarioDraw.pick([1, 2]), cores: { min, max: min + 1 }, placement: { wholeCores: false },
    ...(scenarioDraw.next() < 0.5 ? { network: { resourceName: 'intel.com/sriov_netdevice' } } : {}),
  };
}

async function act(): Promise<void> {
  const absent = NAMES.filter((n) => !present.has(n));
  const names = [...present];
  const r = scenarioDraw.next();
  try {
    if (names.length === 0 || (r < 0.3 && absent.length > 0 && names.length < MAX_DATAPLANES)) {
      const name = scenarioDraw.pick(absent);
      await custom.createNamespacedCustomObject({ ...dpApi, body: dataplaneManifest(tc, name, randomSpec()) });
      present.add(name);
      actions.create!++;
    } else if (r < 0.55) {
      await custom.patchNamespacedCustomObject({ ...dpApi, name: scenarioDraw.pick(names), body: { spec: { replicas: scenarioDraw.pick([0, 1, 2]) } } }, mergePatch);
      actions.scale!++;
    } else if (r < 0.8) {
      // A new spec hash: the replicas are replaced one at a time.
      const min = scenarioDraw.pick([1, 2]);
      await custom.patchNamespacedCustomObject({ ...dpApi, name: scenarioDraw.pick(names), body: { spec: { cores: { min, max: min + 1 }, batchSize: scenarioDraw.pick([32, 64, 128]) } } }, mergePatch);
      actions.rollout!++;
    } else {
      const name = scenarioDraw.pick(names);
      await custom.deleteNamespacedCustomObject({ ...dpApi, name });
      present.delete(name);
      actions.delete!++;
    }
  } catch {
    // A name whose deletion still waits for its finalizer (no operator running): AlreadyExists.
    actions.refused!++;
  }
}

/** Every pod read every 100 ms: any CPU or VF held by two pods (or other violation) is recorded with when it was seen. */
const checks = { count: 0, failedReads: 0, violations: [] as { atMs: number; violations: string[] }[], rebalGrants: new Set<string>() };
const t0 = Date.now();
async function check(): Promise<void> {
  try {
    const { allocations, violations } = await allocationViolations(tc);
    checks.count++;
    if (violations.length) checks.violations.push({ atMs: Date.now() - t0, violations });
    for (const a of allocations) if (a.podKey.startsWith(`${ns}/rebal-`)) checks.rebalGrants.add(a.cpus.join(','));
  } catch {
    checks.failedReads++; // the apiserver restarting
  }
}

/** Floods the real dataplane for 2 s in every 5, so the rebalancer has cores to add and take back. */
async function loadBursts(until: () => boolean): Promise<number> {
  let bursts = 0;
  const [pod] = await rebal.waitReady(1, 120_000).catch((e: unknown) => {
    console.error(`[chaos] no load: ${String(e)}`);
    return [];
  });
  if (!pod) return 0;
  const target = { host: pod!.ip, port: 11211 };
  const workload = { keys: 1000, keySize: 16, valueSize: 32, getRatio: 0.9 };
  await gen.populate(target, workload, 2);
  while (!until()) {
    await gen.run(target, workload, { rate: 200_000, connections: 8, depth: 16, warmupMs: 0, durationMs: 2_000, drainMs: 2_000, seed: bursts });
    bursts++;
    await sleep(3_000);
  }
  return bursts;
}

/** Every Dataplane has exactly its replicas, bound, Running, of its current spec; nothing is left of deleted ones. */
async function converged(): Promise<string | undefined> {
  const dps = ((await custom.listNamespacedCustomObject(dpApi)) as { items: Dataplane[] }).items;
  const pods = (await tc.core.listNamespacedPod({ namespace: ns, labelSelector: 'ix.dev/dataplane' })).items;
  for (const dp of dps) {
    const name = dp.metadata.name!;
    if (dp.metadata.deletionTimestamp) return `${name} is still being deleted`;
    const own = pods.filter((p) => p.metadata?.labels?.['ix.dev/dataplane'] === name);
    const want = dp.spec.replicas;
    const ok = own.filter((p) => p.spec?.nodeName && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p.metadata?.annotations?.[ANNOTATIONS.cpus]);
    if (own.length !== want || ok.length !== want) {
      const states = own.filter((p) => !ok.includes(p)).map((p) => {
        const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
        return `${p.metadata?.name} node=${p.spec?.nodeName ?? '-'} phase=${p.status?.phase} cpus=${p.metadata?.annotations?.[ANNOTATIONS.cpus] ?? '-'}${p.metadata?.deletionTimestamp ? ' terminating' : ''}${scheduled?.status === 'False' ? ` unschedulable: ${scheduled.message}` : ''}`;
      });
      return `${name}: ${ok.length} of ${want} replicas bound and running (${own.length} pods; ${states.join('; ')})`;
    }
    if (dp.status?.observedGeneration !== dp.metadata.generation || dp.status?.updatedReplicas !== want) return `${name}: status not of generation ${dp.metadata.generation} or not all replicas updated`;
  }
  const stray = pods.filter((p) => !dps.some((d) => d.metadata.name === p.metadata?.labels?.['ix.dev/dataplane']));
  return stray.length ? `pods of deleted Dataplanes remain: ${stray.map((p) => p.metadata?.name).join(', ')}` : undefined;
}

async function waitConverged(what: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last: string | undefined;
  try {
    await waitFor(what, async () => ((last = await converged()) === undefined ? true : undefined), timeoutMs, 250);
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${last}; operator log ${operatorLog}`);
  }
  return Date.now() - start;
}

describe('the operator under chaos', () => {
  it(`holds no CPU or VF twice while SIGKILLed at ${KILLS} random points, and converges after the last restart`, async () => {
    await custom.createNamespacedCustomObject({
      ...dpApi, body: dataplaneManifest(tc, 'rebal', {
        replicas: 1, cores: { min: 1, max: 2 }, slo: { p99: '1ms' }, placement: { wholeCores: false },
        rebalance: { addQueueLength: 4, removeQueueLength: 2, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '1s' },
      }),
    });
    let done = false;
    checker ??= (async () => { while (checking) { await check(); await sleep(100); } })();
    const scenario = (async () => { while (!done) { await act(); await sleep(scenarioDraw.uniform(300, 1_500)); } })();
    const load = loadBursts(() => done);

    const alive: number[] = [];
    let duringStart = 0;
    for (let k = 0; k < KILLS; k++) {
      const spawned = Date.now();
      if (killDraw.next() < 0.2) await sleep(killDraw.uniform(STARTING_MS.min, STARTING_MS.max));
      else {
        await operator.whenStarted(30_000);
        await sleep(killDraw.uniform(RECONCILING_MS.min, RECONCILING_MS.max));
      }
      if (!operator.started) duringStart++;
      await operator.kill();
      alive.push(Date.now() - spawned);
      fs.appendFileSync(operatorLog, `{"chaos":"SIGKILL ${k + 1} after ${alive.at(-1)} ms${operator.started ? '' : ', while starting'}"}\n`);
      operator = await OperatorProcess.start(operatorArgs, operatorLog);
    }
    const lastStart = Date.now();
    done = true;
    await scenario;
    const bursts = await load;
    await waitConverged('every Dataplane to converge after the last restart', 120_000);
    const convergeMs = Date.now() - lastStart;
    await check();
    console.error(`[chaos] seed ${seed}: ${alive.length} SIGKILLs (alive ${Math.min(...alive)}–${Math.max(...alive)} ms, mean ${Math.round(alive.reduce((a, b) => a + b, 0) / alive.length)} ms; ` +
      `${duringStart} of them while the process was starting); ` +
      `scenario ${JSON.stringify(actions)}; ${bursts} load bursts, rebal grants seen: ${[...checks.rebalGrants].join(' | ')}; ` +
      `${checks.count} checks, ${checks.violations.length} with a violation; converged ${convergeMs} ms after the last restart`);
    assert.deepEqual(checks.violations.slice(0, 5), [], `violations (seed ${seed}, operator log ${operatorLog}; the first 5 of ${checks.violations.length} checks that saw one)`);
    assert.ok(alive.length >= 50);
    assert.equal(operator.exited, false, 'the last operator runs on');
  });

  it('reconnects after the apiserver and etcd restart under it, and converges on a change made after', async () => {
    const restartStart = Date.now();
    await tc.cluster.restart();
    const restartMs = Date.now() - restartStart;
    const name = NAMES.find((n) => !present.has(n)) ?? 'dp-after';
    await custom.createNamespacedCustomObject({ ...dpApi, body: dataplaneManifest(tc, name, { replicas: 2, cores: { min: 1, max: 2 }, placement: { wholeCores: false } }) });
    const convergeMs = await waitConverged(`${name}, made after the restart, to converge`, 90_000);
    await check();
    console.error(`[chaos] apiserver and etcd restarted in ${restartMs} ms; a Dataplane made after it converged in ${convergeMs} ms; ${checks.count} checks in all (${checks.failedReads} reads failed while the apiserver was down), ${checks.violations.length} with a violation`);
    assert.equal(operator.exited, false, 'the operator rode out the restart');
    assert.deepEqual(checks.violations, []);
  });

  it(`with two replicas under leader election, the leader SIGKILLed ${LEADER_KILLS} times: the follower takes over each time, and no CPU or VF is held twice`, async () => {
    await operator.stop();
    const leases = tc.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    const holder = async () => (await leases.readNamespacedLease({ name: 'ix-operator', namespace: ns }).catch(() => undefined))?.spec?.holderIdentity;
    /** The replica whose identity (hostname_pid) the Lease names. */
    const leader = async () => {
      const id = await holder();
      return replicas.find((p) => !p.exited && id === `${os.hostname()}_${p.child.pid}`);
    };
    for (let i = 0; i < 2; i++) replicas.push(await OperatorProcess.start(electingArgs, operatorLog));
    let done = false;
    const scenario = (async () => { while (!done) { await act(); await sleep(scenarioDraw.uniform(300, 1_500)); } })();
    const takeovers: number[] = [];
    let selfExits = 0;
    for (let k = 0; k < LEADER_KILLS; k++) {
      const current = await waitFor('a replica to lead', leader, 30_000, 100);
      await sleep(killDraw.uniform(300, 2_000));
      const killedAt = Date.now();
      await current.kill();
      fs.appendFileSync(operatorLog, `{"chaos":"SIGKILL of leader pid ${current.child.pid} (${k + 1})"}\n`);
      replicas.splice(replicas.indexOf(current), 1);
      replicas.push(await OperatorProcess.start(electingArgs, operatorLog));
      await waitFor('the follower to take the Lease', async () => ((await leader()) ? true : undefined), 30_000, 50);
      takeovers.push(Date.now() - killedAt);
      // A replica that lost the Lease by itself (renewals too slow on a busy machine) exits: start it again.
      for (const [i, p] of replicas.entries()) if (p.exited) { selfExits++; replicas[i] = await OperatorProcess.start(electingArgs, operatorLog); }
    }
    done = true;
    await scenario;
    const convergeMs = await waitConverged('every Dataplane to converge under the last leader', 120_000);
    await check();
    console.error(`[chaos] leader election: ${takeovers.length} leaders SIGKILLed, taken over after ${Math.min(...takeovers)}–${Math.max(...takeovers)} ms (lease 2 s); ${selfExits} replicas lost the Lease by themselves; ` +
      `converged in ${convergeMs} ms; ${checks.count} checks in all, ${checks.violations.length} with a violation`);
    assert.deepEqual(checks.violations.slice(0, 5), [], `violations (seed ${seed}, operator log ${operatorLog})`);
  });
});
