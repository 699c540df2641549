// The node agent against a real control plane: it publishes a fixture machine's inventory as the
// DataplaneNode of a kwok node and the node's VF capacity, the operator places a dataplane on the
// CPUs and a VF of that inventory, and the agent applies the pod's CPUs to a cgroup tree (in a temp
// directory, laid out as the kubelet's cgroupfs driver lays it out), reporting it in
// DataplaneNode.status.appliedCpusets, or a Warning event on the pod when the cgroup is missing.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, cpusOf, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { NodeAgent } from '../../src/agent/agent.ts';
import { discoverInventory } from '../../src/agent/discover.ts';
import { ANNOTATIONS } from '../../src/api/constants.ts';
import type { DataplaneNode } from '../../src/api/dataplane-node.ts';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { parseCpuset } from '../../src/operator/placement/index.ts';

const SYSFS = path.join(repoRoot, 'test', 'fixtures', 'sysfs', 'two-socket-sriov');
const VF_RESOURCE = 'intel.com/sriov_netdevice';
const RESERVED = '0,8,16,24';

const tc = await useTestCluster('agent');
await installCrds(tc);
// A kwok node with no DataplaneNode and no VF capacity: the agent provides both.
const [nodeName] = await tc.cluster.addNodes(1, { cpus: 31, vfs: 0, vfResource: VF_RESOURCE, labels: { [POOL_LABEL]: tc.namespace } });
await tc.cluster.waitForNodesReady([nodeName!]);
const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
const cgroupRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-agent-it-'));
// The fixture machine's /proc/irq, copied: the agent points the VF's interrupts at the pod's CPUs there.
const procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-agent-it-proc-'));
fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'procfs', 'two-socket-sriov'), procRoot, { recursive: true });
const agent = new NodeAgent({
  kubeConfig: loadKubeConfig(tc.kubeconfigPath), nodeName: nodeName!, sysfsRoot: SYSFS, cgroupRoot, procRoot,
  reservedCpus: RESERVED, vfResourceName: VF_RESOURCE, resyncSeconds: 60, dryRun: false, enforce: true, log,
});
after(stopOperators);
after(() => fs.rmSync(cgroupRoot, { recursive: true, force: true }));
after(() => fs.rmSync(procRoot, { recursive: true, force: true }));

const getDpn = async () => (await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: nodeName! })) as DataplaneNode;

describe('the node agent', () => {
  it('publishes the inventory read from sysfs as the node\'s DataplaneNode, and the VF capacity of the Node', async () => {
    await agent.syncInventory();
    const dpn = await getDpn();
    const expected = await discoverInventory(SYSFS, { reservedCpus: RESERVED, vfResourceName: VF_RESOURCE });
    assert.deepEqual(dpn.spec, expected);
    assert.equal(dpn.spec.cpus.length, 31);
    assert.deepEqual(dpn.spec.vfs?.map((v) => [v.pciAddress, v.numa]), [
      ['0000:3b:01.0', 0], ['0000:3b:01.1', 0], ['0000:3b:01.2', 0], ['0000:3b:01.3', 0], ['0000:af:00.2', 1], ['0000:af:00.3', 1],
    ]);
    assert.ok(dpn.metadata.managedFields?.some((f) => f.manager === 'ix-agent' && f.operation === 'Apply'), 'applied server-side by ix-agent');
    const node = await tc.core.readNode({ name: nodeName! });
    assert.deepEqual(dpn.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Node', nodeName, node.metadata!.uid]], 'owned by its Node, so it goes with it');
    assert.equal(node.status?.capacity?.[VF_RESOURCE], '6');
    assert.equal(node.status?.allocatable?.[VF_RESOURCE], '6');
    // Nothing changed: a resync does not write.
    await agent.syncInventory();
    assert.equal((await getDpn()).metadata.resourceVersion, dpn.metadata.resourceVersion, 'an unchanged inventory is not rewritten');
  });

  it('replaces an inventory someone else wrote with what sysfs says, keeping an admin\'s reserved CPUs', async () => {
    // `ixctl sim`'s fake DataplaneNode (64 CPUs, 16 VFs, reservedCpus), created with a plain create.
    const [other] = await tc.cluster.addNodes(1, {}, { inventory: true });
    const fake = (await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: other! })) as DataplaneNode;
    assert.equal(fake.spec.cpus.length, 64);
    const small = new NodeAgent({
      kubeConfig: loadKubeConfig(tc.kubeconfigPath), nodeName: other!, sysfsRoot: path.join(repoRoot, 'test', 'fixtures', 'sysfs', 'one-socket-no-ht'),
      cgroupRoot, procRoot, resyncSeconds: 60, dryRun: false, enforce: false, log,
    });
    await small.syncInventory();
    const dpn = (await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: other! })) as DataplaneNode;
    assert.deepEqual(dpn.spec, { ...(await discoverInventory(path.join(repoRoot, 'test', 'fixtures', 'sysfs', 'one-socket-no-ht'))), reservedCpus: fake.spec.reservedCpus });
    await small.syncInventory();
    const again = (await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: other! })) as DataplaneNode;
    assert.equal(again.metadata.resourceVersion, dpn.metadata.resourceVersion, 'and then leaves it be');
    await tc.core.deleteNode({ name: other! });
    await custom.deleteClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: other! });
  });

  it('lets the operator place a dataplane on CPUs and a VF of the published inventory', async () => {
    await startOperator(tc);
    await createDataplane(tc, 'pinned', { replicas: 1, cores: { min: 2, max: 4 }, network: { resourceName: VF_RESOURCE } });
    const [pod] = await waitForRunningPods(tc, 'pinned', 1);
    const spec = (await getDpn()).spec;
    assert.equal(pod!.spec?.nodeName, nodeName);
    const cpus = cpusOf(pod!);
    assert.equal(cpus.length, 2);
    const byId = new Map(spec.cpus.map((c) => [c.id, c]));
    assert.ok(cpus.every((c) => byId.has(c)), `CPUs ${cpus} are CPUs of the inventory`);
    assert.ok(!cpus.some((c) => parseCpuset(RESERVED).includes(c)), 'no reserved CPU');
    const [a, b] = cpus.map((c) => byId.get(c)!);
    assert.deepEqual([a!.socket, a!.core], [b!.socket, b!.core], 'one whole physical core: hyperthread siblings');
    const vf = spec.vfs?.find((v) => v.pciAddress === pod!.metadata?.annotations?.[ANNOTATIONS.vf]);
    assert.ok(vf, `the pod's VF ${pod!.metadata?.annotations?.[ANNOTATIONS.vf]} is one the agent published`);
    assert.equal(vf.numa, a!.numa, 'VF and CPUs on one NUMA cell');
    assert.equal(Number(pod!.metadata?.annotations?.[ANNOTATIONS.numa]), a!.numa);
  });

  it('applies the pod\'s CPUs to its cgroup and reports them, with a Warning event while the cgroup is missing', async () => {
    const [pod] = await waitForRunningPods(tc, 'pinned', 1);
    const key = `${tc.namespace}/${pod!.metadata!.name}`;
    const cpus = pod!.metadata!.annotations![ANNOTATIONS.cpus]!;
    assert.equal(pod!.status?.qosClass, 'Guaranteed');
    // cgroup v1 with the cgroupfs driver, before the kubelet made the pod's cgroup.
    const cs = path.join(cgroupRoot, 'cpuset');
    for (const d of [cs, path.join(cs, 'kubepods')]) {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'cpuset.cpus'), '0-30\n');
      fs.writeFileSync(path.join(d, 'cpuset.mems'), '0-1\n');
    }
    await agent.enforceOnce();
    const event = await waitFor('a Warning event on the pod', async () => {
      const list = await tc.core.listNamespacedEvent({ namespace: tc.namespace, fieldSelector: `involvedObject.name=${pod!.metadata!.name}` });
      return list.items.find((e) => e.reason === 'CpusetNotApplied');
    });
    assert.equal(event.type, 'Warning');
    assert.match(event.message ?? '', new RegExp(`cgroup of the pod not found .*kubepods/pod${pod!.metadata!.uid}\\): CPUs ${cpus} not applied`));
    assert.equal(event.source?.component, 'ix-agent');
    assert.deepEqual((await getDpn()).status?.appliedCpusets ?? {}, {});

    const podDir = path.join(cs, 'kubepods', `pod${pod!.metadata!.uid}`);
    fs.mkdirSync(path.join(podDir, 'sandbox'), { recursive: true });
    for (const d of [podDir, path.join(podDir, 'sandbox')]) {
      fs.writeFileSync(path.join(d, 'cpuset.cpus'), '0-30\n');
      fs.writeFileSync(path.join(d, 'cpuset.mems'), '0-1\n');
    }
    await agent.enforceOnce();
    const numa = pod!.metadata!.annotations![ANNOTATIONS.numa]!;
    for (const d of [podDir, path.join(podDir, 'sandbox')]) {
      assert.equal(fs.readFileSync(path.join(d, 'cpuset.cpus'), 'utf8'), cpus);
      assert.equal(fs.readFileSync(path.join(d, 'cpuset.mems'), 'utf8'), numa, 'the memory of the pod\'s NUMA cell');
    }
    // The VF's vectors (the fixture's msi_irqs) now point at the pod's CPUs, one each.
    const vf = pod!.metadata!.annotations![ANNOTATIONS.vf]!;
    const vectors = fs.readdirSync(path.join(SYSFS, 'bus/pci/devices', vf, 'msi_irqs')).map(Number).sort((x, y) => x - y);
    const irqs = Object.fromEntries(vectors.map((irq) => [String(irq), fs.readFileSync(path.join(procRoot, 'irq', String(irq), 'smp_affinity_list'), 'utf8')]));
    assert.ok(vectors.length > 0 && Object.values(irqs).every((c) => parseCpuset(cpus).includes(Number(c))), `VF ${vf}'s vectors on CPUs ${cpus}: ${JSON.stringify(irqs)}`);
    const dpn = await waitFor('appliedCpusets and the operator\'s summary side by side', async () => {
      const d = await getDpn();
      return d.status?.appliedCpusets?.[key] === cpus && d.status.allocations?.length === 1 ? d : undefined;
    });
    assert.deepEqual(dpn.status?.appliedCpusets, { [key]: cpus });
    // No such netdev on this machine: the channel count is reported on the pod, not applied.
    assert.deepEqual(dpn.status?.appliedLocality, [{ pod: key, mems: numa, vf, irqs }]);
    assert.equal(dpn.status?.allocatedCpus, cpus, 'the operator\'s part of the status is intact');
    assert.ok(dpn.metadata.managedFields?.some((f) => f.manager === 'ix-agent' && f.subresource === 'status'));
  });

  it('after a restart writes nothing that is in place, and as it runs follows the pods through its watch', async () => {
    const restarted = new NodeAgent({
      kubeConfig: loadKubeConfig(tc.kubeconfigPath), nodeName: nodeName!, sysfsRoot: SYSFS, cgroupRoot, procRoot,
      reservedCpus: RESERVED, vfResourceName: VF_RESOURCE, resyncSeconds: 60, dryRun: false, enforce: true, log,
    });
    const before = await getDpn();
    assert.equal(Object.keys(before.status?.appliedCpusets ?? {}).length, 1);
    // start(): inventory and a full pass, all already in place, then the pod watch.
    await restarted.start();
    try {
      assert.equal((await getDpn()).metadata.resourceVersion, before.metadata.resourceVersion, 'a restart recomputes the same state and writes nothing');
      assert.equal(tc.kubectl(['delete', 'dp/pinned', '-n', tc.namespace, '--wait=false']).status, 0);
      // No explicit pass: the watch on the node's pods must trigger it.
      await waitFor('the deleted pod to leave appliedCpusets', async () => (Object.keys((await getDpn()).status?.appliedCpusets ?? {}).length === 0 ? true : undefined), 30_000);
      assert.equal((await tc.core.listNamespacedPod({ namespace: tc.namespace, labelSelector: 'ix.dev/dataplane=pinned' })).items.length, 0);
    } finally {
      await restarted.stop();
    }
  });
});
