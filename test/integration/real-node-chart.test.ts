// The product as a user installs it, on a real node: the Helm chart's operator Deployment and agent
// DaemonSet run from the project's operator image (scripts/build-images.sh) in containers on the real
// kubelet, reaching the apiserver in-cluster through the `kubernetes` Service (real-node-routes.ts).
// The agent, in its pod, publishes this machine's CPUs (no SR-IOV here) and writes cpusets in the
// cgroups the kubelet made: the dataplane pod the operator places gets its CPU alone, and every other
// container on the node, the operator's and the agent's own, is narrowed to the shared rest.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../src/lib/kube.ts';
import { formatCpuset, parseCpuset } from '../../src/lib/cpuset.ts';
import { RealNode } from '../../src/sim/real-node.ts';
import { IMAGES, imageArchives } from '../../src/sim/images.ts';
import type { DataplaneNode } from '../../src/api/dataplane-node.ts';
import { CHART_DIR } from '../../scripts/render-deploy.ts';
import { useTestCluster } from '../helpers/cluster.ts';
import { useHelm } from '../helpers/helm.ts';
import { Client } from '../dataplane/client.ts';
import { installCrds } from '../helpers/crds.ts';
import { containerPid, cpusetCpus } from '../helpers/container-cgroups.ts';
import { POOL_LABEL, createDataplane, waitForRunningPods } from '../helpers/operator.ts';

const t = await useTestCluster('chart-node');
await installCrds(t);
const helm = useHelm(path.join(t.binDir, 'helm'), 'chart-node');
const release = `ixn-${t.namespace.slice(-6)}`;
const fullname = `${release}-ix-operator`;
const inRelease = ['--kubeconfig', t.kubeconfigPath, '--namespace', t.namespace];
let node: RealNode;

before(async () => {
  node = await RealNode.start(t.cluster, { images: imageArchives(['pause', 'operator', 'dataplane']), log: (l) => console.error(`[real-node] ${l}`) });
  await t.core.patchNode({ name: node.name, body: { metadata: { labels: { [POOL_LABEL]: t.namespace } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const [repository, tag] = IMAGES.operator.split(/:(?=[^:]+$)/);
  const onTheRealNode = JSON.stringify({ 'kubernetes.io/hostname': node.name });
  helm.ok(['install', release, CHART_DIR, ...inRelease, '--skip-crds', '--wait', '--timeout', '180s',
    '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never',
    '--set', `dataplaneImage=${IMAGES.dataplane}`,
    // One operator: the node has 2 CPUs, and one of them is to be a dataplane's.
    '--set', 'operator.replicas=1',
    '--set-json', `operator.nodeSelector=${onTheRealNode}`,
    // The kwok nodes have their inventories from the harness; the agent runs where a kernel is.
    '--set-json', `agent.nodeSelector=${onTheRealNode}`,
    // No VF here: no channels to set, so the agent runs without hostPID and the capabilities for it.
    '--set', 'agent.vfChannels=false', '--set', 'agent.resync=5',
    // The dataplane pods' seccomp profile goes where this node's kubelet (--root-dir) looks (ADR 0020).
    '--set', `agent.kubeletRoot=${path.join(node.dir, 'kubelet')}`]);
});
after(async () => {
  helm.run(['uninstall', release, ...inRelease, '--ignore-not-found', '--wait', '--timeout', '60s']);
  await node?.stop();
});

/** The running pod of the release's component (operator or agent), and its container's cpuset. */
async function componentPod(component: 'operator' | 'agent'): Promise<{ pod: k8s.V1Pod; cpuset: string }> {
  const pods = await t.core.listNamespacedPod({ namespace: t.namespace, labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}` });
  const pod = pods.items.find((p) => p.status?.phase === 'Running');
  assert.ok(pod, `a running ${component} pod of ${fullname}: ${pods.items.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(', ')}`);
  return { pod, cpuset: cpusetCpus(containerPid(node, pod.status!.containerStatuses![0]!.containerID!)) };
}

describe('the Helm chart on a real node', () => {
  it('runs the operator and the agent from the operator image, in containers on the real kubelet', async () => {
    for (const component of ['operator', 'agent'] as const) {
      const { pod } = await componentPod(component);
      assert.equal(pod.spec?.nodeName, node.name);
      assert.equal(pod.spec?.containers[0]?.image, IMAGES.operator);
      assert.ok(pod.status?.containerStatuses?.[0]?.ready, `${component} Ready (its probes answer)`);
      assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0, `${component} has not restarted`);
    }
  });

  it('the agent in its pod publishes this machine\'s CPUs and no VF', async () => {
    const custom = t.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const inventory = await waitFor('the real node\'s DataplaneNode', async () =>
      (await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: node.name }).catch(() => undefined)) as DataplaneNode | undefined, 60_000, 500);
    assert.deepEqual(inventory.spec.cpus.map((c) => c.id), Array.from({ length: os.availableParallelism() }, (_, i) => i));
    assert.deepEqual(inventory.spec.vfs ?? [], []);
  });

  it('a dataplane the operator places gets its CPU alone; the operator\'s and the agent\'s containers keep the rest', async () => {
    await createDataplane(t, 'cache', { replicas: 1, memory: '64Mi', cores: { min: 1, max: 1 }, placement: { wholeCores: false } });
    const [pod] = await waitForRunningPods(t, 'cache', 1, 180_000);
    assert.equal(pod!.spec!.nodeName, node.name);
    assert.equal(pod!.spec!.containers.find((c) => c.name === 'dataplane')?.image, IMAGES.dataplane);
    const grant = pod!.metadata!.annotations!['ix.dev/cpus']!;
    assert.equal(parseCpuset(grant).length, 1);
    const shared = formatCpuset(Array.from({ length: os.availableParallelism() }, (_, i) => i).filter((c) => !parseCpuset(grant).includes(c)));
    const dataplanePid = containerPid(node, pod!.status!.containerStatuses!.find((c) => c.name === 'dataplane')!.containerID!);
    const seen = await waitFor('the agent to write the cpusets', async () => {
      const now = { dataplane: cpusetCpus(dataplanePid), operator: (await componentPod('operator')).cpuset, agent: (await componentPod('agent')).cpuset };
      return now.dataplane === grant && now.operator === shared && now.agent === shared ? now : undefined;
    }, 60_000, 500);
    console.table([{ grant, ...seen }]);
    assert.match(await waitFor('the dataplane to answer on its pod IP', () => Client.exchange(11211, pod!.status!.podIP!, 'version\r\n', /\r\n$/).catch(() => undefined), 60_000, 500), /^VERSION /);
  });
});
