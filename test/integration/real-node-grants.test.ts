// A grant is the pod's truth everywhere, read from the real kernel (ADR 0018): on the real node, a
// dataplane pod from the project's image, placed by the operator and enforced by the node agent, is
// flooded until the rebalancer grants it a second CPU and left idle until it gives it back. At each
// step the container's cpuset and CFS quota are read from its cgroups and the pod's CPU requests
// from the API; while it holds both CPUs an ordinary pod that would only fit if the accounting
// lagged stays Pending, and it is scheduled once the CPU is back. The node has this machine's CPUs
// (2): the operator and the agent run as processes here, not on the node, so the dataplane can
// really grow from 1 to 2.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { parseCpuset } from '../../src/lib/cpuset.ts';
import { NodeAgent } from '../../src/agent/agent.ts';
import { RealNode } from '../../src/sim/real-node.ts';
import { IMAGES, imageArchives } from '../../src/sim/images.ts';
import { LoadGenerator } from '../../bench/loadgen/load-generator.ts';
import { useTestCluster } from '../helpers/cluster.ts';
import { cgroupDir, containerPid, cpuQuota, cpusetCpus } from '../helpers/container-cgroups.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, allocationViolations, createDataplane, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';

const t = await useTestCluster('grants');
await installCrds(t);
let node: RealNode;
let agent: NodeAgent;
const agentOptions = () => ({
  kubeConfig: loadKubeConfig(t.kubeconfigPath), nodeName: node.name, sysfsRoot: '/sys', cgroupRoot: '/sys/fs/cgroup', procRoot,
  // The dataplane pods' seccomp profile (ADR 0020), where the real node's kubelet (--root-dir) looks.
  kubeletRoot: path.join(node.dir, 'kubelet'),
  reservedCpus: '', vfChannels: false, resyncSeconds: 5, dryRun: false, enforce: true, log,
});
// No interrupts of this machine are moved: the agent gets an empty procfs (the VF side is tested on
// fixtures; this node has no VF).
const procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-grants-proc-'));

before(async () => {
  node = await RealNode.start(t.cluster, { images: imageArchives(['pause', 'dataplane']) });
  await t.core.patchNode({ name: node.name, body: { metadata: { labels: { [POOL_LABEL]: t.namespace } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  agent = new NodeAgent(agentOptions());
  await agent.start();
  await startOperator(t, { rebalanceIntervalMs: 300, scaleOutAfterMs: 60_000, scaleInAfterMs: 60_000 });
});
after(async () => {
  await stopOperators();
  await agent?.stop();
  await node?.stop();
  fs.rmSync(procRoot, { recursive: true, force: true });
});

interface Step { step: string; grant: string; cpuset: string; quotaUs: string; periodUs: string; requests: string; limits: string }

async function read(step: string, podName: string): Promise<Step> {
  const pod = await t.core.readNamespacedPod({ name: podName, namespace: t.namespace });
  const pid = containerPid(node, pod.status!.containerStatuses!.find((c) => c.name === 'dataplane')!.containerID!);
  const r = pod.spec!.containers.find((c) => c.name === 'dataplane')!.resources!;
  const { quotaUs, periodUs } = cpuQuota(pid);
  return {
    step,
    grant: pod.metadata!.annotations!['ix.dev/cpus']!,
    cpuset: cpusetCpus(pid),
    quotaUs: String(quotaUs),
    periodUs: String(periodUs),
    requests: String(r.requests!.cpu),
    limits: String(r.limits!.cpu),
  };
}

/** Waits until the kernel and the API agree with a grant of `n` CPUs, and returns what was read. */
async function settledAt(step: string, podName: string, n: number): Promise<Step> {
  return waitFor(`cpuset, quota and requests of ${n} CPU(s)`, async () => {
    const s = await read(step, podName);
    const ok = parseCpuset(s.grant).length === n && s.cpuset === s.grant && Number(s.quotaUs) === n * Number(s.periodUs) && s.requests === String(n) && s.limits === String(n);
    return ok ? s : undefined;
  }, 60_000, 250);
}

describe('grants on a real node', () => {
  it('cpuset, CFS quota and CPU requests follow a grant from 1 to 2 CPUs and back; the node\'s accounting with them', async () => {
    await createDataplane(t, 'cache', {
      replicas: 1, image: IMAGES.dataplane, memory: '64Mi', cores: { min: 1, max: 2 }, slo: { p99: '1ms' },
      placement: { wholeCores: false },
      rebalance: { addQueueLength: 4, removeQueueLength: 2, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '1s' },
    });
    const [pod] = await waitForRunningPods(t, 'cache', 1, 120_000);
    assert.equal(pod!.spec!.nodeName, node.name);
    const podName = pod!.metadata!.name!;
    const steps: Step[] = [await settledAt('placed', podName, 1)];
    const target = { host: pod!.status!.podIP!, port: 11211 };
    const workload = { keys: 2000, keySize: 16, valueSize: 32, getRatio: 0.9 };
    const gen = LoadGenerator.start(1);
    let ordinary: string | undefined;
    try {
      await waitFor('the dataplane to answer on its pod IP', async () => gen.populate(target, workload, 4).then(() => true).catch(() => undefined), 60_000, 500);
      // Far more than one CPU serves: queues build and the rebalancer grants the second CPU.
      const flood = gen.run(target, workload, { rate: 400_000, connections: 16, depth: 16, warmupMs: 200, durationMs: 15_000, drainMs: 10_000, seed: 2 });
      steps.push(await settledAt('grown under load', podName, 2));
      // The dataplane in its container reads its control token (the Secret's files, group-readable
      // through the pod's fsGroup): the operator's PUT /v1/cores is accepted, not refused.
      const token = await t.core.readNamespacedSecret({ name: 'cache-control-token', namespace: t.namespace });
      const put = await fetch(`http://${target.host}:9121/v1/cores`, {
        method: 'PUT', headers: { authorization: `Bearer ${Buffer.from(token.data!['token']!, 'base64').toString()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ cpus: '0-1' }),
      });
      assert.equal(put.status, 200, await put.text());
      // Both CPUs are the dataplane's, for the kernel and for the scheduler: an ordinary pod that
      // asks for a tenth of a CPU does not fit on the node.
      ordinary = 'ordinary';
      await t.core.createNamespacedPod({ namespace: t.namespace, body: {
        metadata: { name: ordinary },
        spec: { nodeSelector: { [POOL_LABEL]: t.namespace }, containers: [{ name: 'c', image: IMAGES.pause, imagePullPolicy: 'Never', resources: { requests: { cpu: '100m' } } }] },
      } });
      const pending = await waitFor('kube-scheduler to find no room for the ordinary pod', async () => {
        const p = await t.core.readNamespacedPod({ name: ordinary!, namespace: t.namespace });
        const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' ? c : undefined;
      }, 30_000, 250);
      assert.equal(pending.reason, 'Unschedulable');
      assert.match(pending.message ?? '', /Insufficient cpu/);
      const result = await flood;
      assert.equal(result.errors, 0, `no errors under the flood: ${result.firstError ?? ''}`);
      steps.push(await read('flood over', podName));
      // Idle: the CPU goes back, and with it the quota and the requests; the ordinary pod fits.
      steps.push(await settledAt('idle again', podName, 1));
      await waitFor('the ordinary pod to be scheduled on the freed CPU', async () => {
        const p = await t.core.readNamespacedPod({ name: ordinary!, namespace: t.namespace });
        return p.spec?.nodeName === node.name ? true : undefined;
      }, 60_000, 250);
    } finally {
      await gen.close();
      console.error(`[grants] ${JSON.stringify(steps)}`);
      console.table(steps);
    }
    const events = (await t.core.listNamespacedEvent({ namespace: t.namespace })).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => e.startsWith('CoresAdded: ')), events.join('\n'));
    assert.ok(events.some((e) => e.startsWith('CoresRemoved: ')), events.join('\n'));
  });

  it('a killed dataplane container is restarted by the kubelet and keeps its grant, cpuset and quota', async () => {
    const before = await settledAt('before the kill', 'cache-0', 1);
    const pod = await t.core.readNamespacedPod({ name: 'cache-0', namespace: t.namespace });
    const old = pod.status!.containerStatuses!.find((c) => c.name === 'dataplane')!;
    node.ctr(['tasks', 'kill', '-s', 'SIGKILL', old.containerID!.replace(/^containerd:\/\//, '')]);
    await waitFor('the kubelet to restart the container', async () => {
      const p = await t.core.readNamespacedPod({ name: 'cache-0', namespace: t.namespace });
      const c = p.status?.containerStatuses?.find((x) => x.name === 'dataplane');
      return c && c.restartCount > old.restartCount && c.state?.running && c.containerID !== old.containerID ? true : undefined;
    }, 60_000, 250);
    const after = await settledAt('restarted', 'cache-0', 1);
    assert.equal(after.grant, before.grant, 'the same CPUs: a restart is not a new placement');
    console.table([before, after]);
  });

  it('a killed agent leaves the cpusets; a new one repairs what drifted', async () => {
    const right = await settledAt('agent running', 'cache-0', 1);
    await agent.stop();
    const pod = await t.core.readNamespacedPod({ name: 'cache-0', namespace: t.namespace });
    const pid = containerPid(node, pod.status!.containerStatuses!.find((c) => c.name === 'dataplane')!.containerID!);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(cpusetCpus(pid), right.cpuset, 'no agent: the kernel keeps what was written');
    // Drift, as something else on the node might make it: the pod's and the container's cpusets widened to every CPU.
    const container = cgroupDir(pid, 'cpuset');
    const all = fs.readFileSync(path.join(path.dirname(container), '..', 'cpuset.cpus'), 'utf8').trim();
    fs.writeFileSync(path.join(path.dirname(container), 'cpuset.cpus'), all);
    fs.writeFileSync(path.join(container, 'cpuset.cpus'), all);
    assert.equal(cpusetCpus(pid), all);
    agent = new NodeAgent(agentOptions());
    await agent.start();
    const repaired = await settledAt('new agent', 'cache-0', 1);
    assert.equal(repaired.cpuset, right.grant);
  });

  it('a deleted pod is replaced under its ordinal, and no CPU is ever held by two pods', async () => {
    const old = await t.core.readNamespacedPod({ name: 'cache-0', namespace: t.namespace });
    let watching = true;
    const violations: string[] = [];
    // The operator's own check (check-allocations.ts) over the pods as the API has them: no CPU of
    // two pods, none outside the node's inventory.
    const checker = (async () => {
      while (watching) {
        violations.push(...(await allocationViolations(t)).violations);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await t.core.deleteNamespacedPod({ name: 'cache-0', namespace: t.namespace });
      await waitFor('a new cache-0 to run', async () => {
        const p = await t.core.readNamespacedPod({ name: 'cache-0', namespace: t.namespace }).catch(() => undefined);
        return p && p.metadata!.uid !== old.metadata!.uid && p.status?.phase === 'Running' ? true : undefined;
      }, 120_000, 250);
      await settledAt('replaced', 'cache-0', 1);
    } finally {
      watching = false;
      await checker;
    }
    assert.deepEqual(violations, [], 'no CPU held twice');
  });
});
