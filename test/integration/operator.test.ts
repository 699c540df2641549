// The operator against a real control plane with kwok nodes: placement with disjoint dedicated
// CPUs and VFs, binding, status, scaling through the scale subresource, rolling updates, clean-up,
// unschedulable replicas, and a restart that rebuilds its view from the pods.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, allocationViolations, createDataplane, placementDiagnosis, cpusOf, getDataplane, podsOf, startOperator, stopOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { ANNOTATIONS } from '../../src/api/constants.ts';
import { waitFor } from '../../src/lib/kube.ts';

const tc = await useTestCluster('op');
await installCrds(tc);
// Three nodes of 16 CPUs: 2 NUMA cells x 4 cores x 2 threads, core 0 of each cell reserved, so
// 6 CPUs (3 whole cores) per cell can be dedicated; 4 VFs per node, 2 per cell.
const nodeNames = await tc.cluster.addNodes(3, { cpus: 16, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodeNames);
const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
let operator = await startOperator(tc);
after(stopOperators);

const network = { resourceName: 'intel.com/sriov_netdevice' };

describe('the operator', () => {
  it('places, pins and binds replicas with disjoint CPUs and VFs on one NUMA cell each', async () => {
    await createDataplane(tc, 'cache', { replicas: 3, cores: { min: 2, max: 4 }, network });
    const pods = await waitForRunningPods(tc, 'cache', 3);
    // If this fails, the message carries what the placer had to go on (it once showed nodes still
    // tainted not-ready after Ready, which waitForNodesReady now waits out).
    if (new Set(pods.map((p) => p.spec?.nodeName)).size !== 3) assert.fail(`replicas not spread over the three nodes: ${pods.map((p) => p.spec?.nodeName).join(', ')}; ${await placementDiagnosis(tc)}`);
    for (const pod of pods) {
      const ann = pod.metadata!.annotations!;
      assert.equal(pod.spec?.schedulerName, 'ix-operator');
      assert.equal(cpusOf(pod).length, 2, 'cores.min CPUs, one whole physical core with its sibling');
      const [a, b] = cpusOf(pod);
      assert.equal(b! - a!, 8, 'hyperthread siblings (CPU i and i+8 on this topology)');
      assert.ok(!cpusOf(pod).some((c) => c % 4 === 0), 'never a reserved CPU (core 0 of a cell)');
      assert.match(ann[ANNOTATIONS.vf] ?? '', /^0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
      const cell = Number(ann[ANNOTATIONS.numa]);
      assert.ok(cpusOf(pod).every((c) => Math.floor((c % 8) / 4) === cell), 'CPUs on the annotated NUMA cell');
      assert.equal(pod.spec?.containers[0]?.resources?.requests?.cpu, '2');
      assert.equal(pod.spec?.containers[0]?.resources?.limits?.['intel.com/sriov_netdevice'], '1');
      assert.equal(pod.status?.qosClass, 'Guaranteed');
      // One attachment per Dataplane and VF address, shared by the replicas whose VFs have that address.
      const attachment = `cache-vf-${ann[ANNOTATIONS.vf]!.replace(/[:.]/g, '-')}`;
      const nad = await custom.getNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace: tc.namespace, name: attachment }) as { metadata: k8s.V1ObjectMeta; spec: { config: string } };
      assert.deepEqual(JSON.parse(nad.spec.config), { cniVersion: '1.0.0', name: attachment, type: 'host-device', pciBusID: ann[ANNOTATIONS.vf] });
      assert.deepEqual(nad.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Dataplane', 'cache', true]]);
      assert.equal(ann['k8s.v1.cni.cncf.io/networks'], attachment);
    }
    const dp = await waitFor('status to report 3 ready replicas', async () => {
      const d = await getDataplane(tc, 'cache');
      return d.status?.readyReplicas === 3 && d.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? d : undefined;
    });
    assert.equal(dp.status?.coresAllocated, 6);
    assert.equal(dp.status?.selector, 'ix.dev/dataplane=cache');
    assert.equal(dp.status?.observedGeneration, dp.metadata.generation);
    assert.deepEqual(dp.metadata.finalizers, ['ix.dev/cleanup']);
    assert.deepEqual((await allocationViolations(tc)).violations, []);
  });

  it('summarises each node in DataplaneNode.status: allocations, free CPUs and VFs, shared pool', async () => {
    const pods = await waitForRunningPods(tc, 'cache', 3);
    const pod = pods[0]!;
    const dpn = await waitFor('the node summary', async () => {
      const d = await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: pod.spec!.nodeName! }) as { status?: { cpusTotal?: number; cpusFree?: number; vfsFree?: number; vfsTotal?: number; allocatedCpus?: string; sharedPool?: string; allocations?: { pod: string; cpus: string; vf?: string }[] } };
      return d.status?.allocations?.length === 1 ? d.status : undefined;
    });
    assert.equal(dpn.cpusTotal, 16);
    assert.equal(dpn.cpusFree, 16 - 4 - 2, '16 CPUs less 4 reserved less 2 dedicated');
    assert.equal(dpn.vfsTotal, 4);
    assert.equal(dpn.vfsFree, 3);
    assert.equal(dpn.allocatedCpus, pod.metadata!.annotations![ANNOTATIONS.cpus]);
    assert.deepEqual(dpn.allocations?.[0], { pod: `${tc.namespace}/${pod.metadata!.name}`, dataplane: `${tc.namespace}/cache`, numa: Number(pod.metadata!.annotations![ANNOTATIONS.numa]), cpus: pod.metadata!.annotations![ANNOTATIONS.cpus], vf: pod.metadata!.annotations![ANNOTATIONS.vf] });
    const shared = dpn.sharedPool!.split(',').flatMap((r) => { const [a, b] = r.split('-').map(Number); return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i); });
    assert.equal(shared.length, 14, 'everything but the 2 dedicated CPUs, reserved ones included');
    assert.ok(!cpusOf(pod).some((c) => shared.includes(c)));
    const r = tc.kubectl(['get', 'dpn', pod.spec!.nodeName!]);
    assert.match(r.stdout, /^NAME\s+CPUS\s+FREE\s+VFS\s+FREE-VFS\s+AGE\n\S+\s+16\s+10\s+4\s+3\s+/);
  });

  it('scales up and down through the scale subresource without ever sharing a CPU or VF', async () => {
    assert.equal(tc.kubectl(['scale', 'dp/cache', '-n', tc.namespace, '--replicas=6']).status, 0);
    const six = await waitForRunningPods(tc, 'cache', 6);
    assert.deepEqual((await allocationViolations(tc)).violations, []);
    const perNode = new Map<string, number>();
    for (const p of six) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2, 2], 'spread evenly');
    assert.equal(tc.kubectl(['scale', 'dp/cache', '-n', tc.namespace, '--replicas=1']).status, 0);
    await waitForRunningPods(tc, 'cache', 1);
    await waitFor('status to follow', async () => ((await getDataplane(tc, 'cache')).status?.replicas === 1 ? true : undefined));
  });

  it('keeps replicas that do not fit Pending and Unschedulable, and says why', async () => {
    await createDataplane(tc, 'huge', { replicas: 2, cores: { min: 8, max: 8 }, network });
    const pods = await waitFor('two pending, unschedulable pods', async () => {
      const ps = await podsOf(tc, 'huge');
      return ps.length === 2 && ps.every((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable')) ? ps : undefined;
    });
    for (const p of pods) {
      assert.equal(p.spec?.nodeName, undefined);
      assert.equal(p.status?.phase, 'Pending');
      assert.equal(p.metadata?.annotations?.[ANNOTATIONS.cpus], undefined, 'holds no CPUs');
      assert.equal(p.spec?.containers[0]?.resources?.requests?.cpu, '8', 'requests describe what it needs, for a cluster autoscaler');
    }
    const dp = await waitFor('the Placed condition', async () => {
      const d = await getDataplane(tc, 'huge');
      return d.status?.conditions?.find((c) => c.type === 'Placed')?.status === 'False' ? d : undefined;
    });
    const placed = dp.status!.conditions!.find((c) => c.type === 'Placed')!;
    assert.equal(placed.reason, 'InsufficientResources');
    assert.match(placed.message, /2 replica\(s\) cannot be placed: 0\/\d+ nodes are available: .*3 .*CPUs/);
    assert.equal(dp.status!.conditions!.find((c) => c.type === 'Ready')?.reason, 'Unschedulable');
    const events = await tc.core.listNamespacedEvent({ namespace: tc.namespace, fieldSelector: 'involvedObject.name=huge,reason=FailedPlacement' });
    assert.ok(events.items.length >= 1, 'a Warning event FailedPlacement');
    assert.equal(events.items[0]?.type, 'Warning');
    // Room appears (a bigger node joins): the waiting replicas get placed and bound.
    const [big] = await tc.cluster.addNodes(1, { cpus: 48, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
    await tc.cluster.waitForNodesReady([big!]);
    const placedPods = await waitForRunningPods(tc, 'huge', 2, 60_000);
    assert.ok(placedPods.every((p) => p.spec?.nodeName === big));
    assert.deepEqual((await allocationViolations(tc)).violations, []);
  });

  it('rolls pods one at a time when the pod spec changes', async () => {
    const before = (await waitForRunningPods(tc, 'cache', 1)).map((p) => p.metadata!.uid);
    assert.equal(tc.kubectl(['patch', 'dp/cache', '-n', tc.namespace, '--type=merge', '-p', '{"spec":{"replicas":2,"memory":"128Mi"}}']).status, 0);
    const after = await waitFor('pods built from the new spec', async () => {
      const ps = await waitForRunningPods(tc, 'cache', 2);
      return ps.every((p) => p.spec?.containers[0]?.args?.includes('128')) ? ps : undefined;
    }, 60_000);
    assert.ok(after.every((p) => !before.includes(p.metadata!.uid)), 'the old pod was replaced');
    assert.deepEqual(after.map((p) => p.metadata!.name).sort(), ['cache-0', 'cache-1'], 'under the ordinals (ADR 0012)');
    assert.deepEqual((await allocationViolations(tc)).violations, []);
  });

  it('rebuilds its view from the pods after a restart and converges without double allocation', async () => {
    await stopOperator(operator);
    await createDataplane(tc, 'restart', { replicas: 4, cores: { min: 2, max: 2 }, network });
    operator = await startOperator(tc, { identity: 'second' });
    // Kill it while it works, then start a third one.
    await waitFor('some pods of restart', async () => ((await podsOf(tc, 'restart')).length > 0 ? true : undefined));
    await stopOperator(operator);
    operator = await startOperator(tc, { identity: 'third' });
    await waitForRunningPods(tc, 'restart', 4, 60_000);
    const { violations, allocations } = await allocationViolations(tc);
    assert.deepEqual(violations, []);
    assert.ok(allocations.length >= 8, `all replicas hold allocations (${allocations.length})`);
  });

  it('cleans up pods, attachments and the token Secret when a Dataplane is deleted', async () => {
    const del = await tc.kubectlAsync(['delete', 'dp', 'restart', '-n', tc.namespace, '--wait=true', '--timeout=30s']);
    const state = () => tc.kubectl(['get', 'dp,pods', '-n', tc.namespace, '-o', 'yaml']).stdout;
    assert.equal(del.status, 0, `${del.stderr}\n${state()}`);
    assert.equal((await podsOf(tc, 'restart')).length, 0, 'the finalizer waited for the pods to go');
    await waitFor('the token Secret to be collected', async () => {
      const secrets = await tc.core.listNamespacedSecret({ namespace: tc.namespace });
      return secrets.items.some((s) => s.metadata?.name === 'restart-control-token') ? undefined : true;
    }, 90_000); // the garbage collector picks up a new resource type on its discovery resync
  });
});
