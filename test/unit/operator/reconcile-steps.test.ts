// The Dataplane reconciler's steps over fake caches and recorded writes (test/helpers/fake-operator.ts),
// with the real allocation book and placer: what it writes, in which order, and that a second visit
// writes nothing that is already right.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../../src/api/dataplane.ts';
import { ANNOTATIONS, FINALIZER } from '../../../src/api/constants.ts';
import { AllocationBook } from '../../../src/operator/allocation-book.ts';
import { DataplaneReconciler } from '../../../src/operator/dataplane/reconciler.ts';
import { PodIndex, controllerUid } from '../../../src/operator/pod-index.ts';
import { OperatorMetrics } from '../../../src/operator/metrics.ts';
import { PodReadings } from '../../../src/operator/readings.ts';
import { checkAllocations } from '../../../src/operator/placement/index.ts';
import { allocationsFromPods } from '../../../src/operator/allocations.ts';
import { placementNodes } from '../../../src/operator/inventory.ts';
import { log } from '../../../src/lib/log.ts';
import { buildFakeNode } from '../../../src/sim/fake-node.ts';
import { buildFakeInventory } from '../../../src/sim/fake-inventory.ts';
import { FakeCache, FakeEvents, FakeWrites, type FakeWorld } from '../../helpers/fake-operator.ts';
import { dataplane } from './fixtures.ts';

/** One 16-CPU node with 4 VFs: room for four replicas of 2 CPUs and a VF each. */
function setup(dp: Dataplane) {
  const node = buildFakeNode({ name: 'n0', index: 0, cpus: 16, vfs: 4 });
  node.status!.conditions = [{ type: 'Ready', status: 'True' }];
  const world: FakeWorld = {
    dataplanes: new FakeCache([dp]),
    pods: new FakeCache<V1Pod>(),
    nodes: new FakeCache([node]),
    dataplaneNodes: new FakeCache([buildFakeInventory({ name: 'n0', cpus: 16, vfs: 4 })]),
  };
  const writes = new FakeWrites(world);
  const events = new FakeEvents();
  const metrics = new OperatorMetrics();
  const allocations = new AllocationBook({ pods: world.pods, nodes: world.nodes, dataplaneNodes: world.dataplaneNodes, metrics, log });
  const services = new FakeCache<V1Service>();
  const disruptionBudgets = new FakeCache<V1PodDisruptionBudget>();
  const podsByOwner = new PodIndex(world.pods, controllerUid);
  const newReconciler = () => new DataplaneReconciler({
    dataplanes: world.dataplanes, pods: world.pods, podsByOwner, services, disruptionBudgets,
    allocations, readings: new PodReadings(), actions: writes, events, log, defaultImage: 'img:1', controlToken: () => 'token',
  });
  let reconciler = newReconciler();
  const visit = () => reconciler.reconcile('ns/cache');
  /** A new operator process: what the reconciler remembers of its own writes is gone. */
  const restart = () => { reconciler = newReconciler(); };
  const current = () => world.dataplanes.get('cache', 'ns')!;
  const update = (spec: Partial<Dataplane['spec']>) => world.dataplanes.put({ ...current(), spec: { ...current().spec, ...spec } });
  const pod = (name: string) => world.pods.get(name, 'ns')!;
  /** The kubelet's part: every bound pod runs and is Ready. */
  const runAll = () => {
    for (const p of world.pods.list()) {
      if (p.spec?.nodeName) world.pods.put({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    }
  };
  return { world, writes, events, allocations, visit, restart, current, update, pod, runAll };
}

/** The name of the attachment of a pod's VF: the Dataplane's name and the VF's PCI address. */
const attachmentOf = (pod: V1Pod) => `cache-vf-${pod.metadata!.annotations![ANNOTATIONS.vf]!.replace(/[:.]/g, '-')}`;

const withVf = () => dataplane({ replicas: 5, network: { resourceName: 'intel.com/sriov_netdevice', numaPolicy: 'single-numa' } });

describe('the Dataplane reconciler, step by step', () => {
  it('a new Dataplane: finalizer and token first; each placed replica\'s VF attachment, then the pod created bound; the replica that fits nowhere created Pending and marked', async () => {
    const t = setup(withVf());
    const result = await t.visit();
    assert.deepEqual(t.writes.calls.slice(0, 2).map((c) => c.write), ['setFinalizer', 'ensureTokenSecret']);
    assert.deepEqual(t.current().metadata.finalizers, [FINALIZER]);
    const created = t.writes.calls.filter((c) => c.write === 'create');
    // Written in parallel: in the order their writes got going, not by ordinal.
    assert.deepEqual(Object.fromEntries(created.map((c) => [c.name, c.detail ?? 'Pending'])),
      { 'cache-0': 'n0', 'cache-1': 'n0', 'cache-2': 'n0', 'cache-3': 'n0', 'cache-4': 'Pending' }, 'four created bound to n0, the fifth Pending');
    for (const name of ['cache-0', 'cache-1', 'cache-2', 'cache-3']) {
      const pod = t.pod(name);
      const attachment = pod.metadata!.annotations!['k8s.v1.cni.cncf.io/networks']!;
      assert.equal(attachment, attachmentOf(pod), `${name}: names the attachment of its VF's address`);
      const attached = t.writes.calls.findIndex((c) => c.write === 'attachVf' && c.name === attachment);
      const created = t.writes.calls.findIndex((c) => c.write === 'create' && c.name === name);
      assert.ok(attached >= 0 && attached < created, `${name}: its attachment is written before the pod`);
    }
    const attachments = t.writes.names('attachVf');
    assert.deepEqual(attachments, [...new Set(attachments)], 'each attachment written once, however many replicas name it');
    assert.deepEqual(t.writes.names('bind'), [], 'no binding round trip for pods created bound');
    assert.deepEqual(t.writes.names('markUnschedulable'), ['cache-4']);
    assert.ok(t.events.recorded.some((e) => e.reason === 'FailedPlacement' && e.message.startsWith('cache-4: ')));
    assert.equal(t.events.recorded.filter((e) => e.reason === 'Placed').length, 4);
    // The fake cache shows each pod as soon as its create answers, as a fast watch does: the pods the
    // visit made are not names some other pod holds.
    assert.deepEqual(t.events.recorded.filter((e) => e.reason === 'NameTaken'), []);
    assert.ok(result?.requeueAfterMs, 'a replica waits for room: look again later');
    assert.equal(t.current().status?.conditions?.find((c) => c.type === 'Placed')?.status, 'False');
    const pods = t.world.pods.list();
    assert.deepEqual(checkAllocations(placementNodes(t.world.dataplaneNodes.list(), t.world.nodes.list(), pods), allocationsFromPods(pods).allocations), [], 'no CPU or VF given twice');
  });

  it('a second visit writes nothing that is right already', async () => {
    const t = setup(withVf());
    await t.visit();
    t.writes.calls.length = 0;
    await t.visit();
    assert.deepEqual(t.writes.calls.filter((c) => !['markUnschedulable', 'writeStatus'].includes(c.write)), []);
  });

  it('a replica that waited for room is placed when room appears: annotated, attached, then bound', async () => {
    const t = setup(withVf());
    await t.visit();
    // cache-3's pod is gone (its node evicted it, say): its CPUs and VF are free.
    t.world.pods.remove(t.pod('cache-3'));
    t.writes.calls.length = 0;
    await t.visit();
    const attachment = attachmentOf(t.pod('cache-4'));
    assert.equal(t.pod('cache-4').metadata!.annotations!['k8s.v1.cni.cncf.io/networks'], attachment, 'annotated with its attachment too');
    assert.deepEqual(t.writes.calls.filter((c) => c.name === 'cache-4').map((c) => c.write), ['annotate', 'bind']);
    assert.deepEqual(t.writes.names('attachVf'), [], 'cache-3\'s VF had this address: its attachment, written by this process, is not written again');
    assert.equal(t.pod('cache-4').spec?.nodeName, 'n0');
    assert.deepEqual(t.writes.calls.filter((c) => c.name === 'cache-3').map((c) => [c.write, c.detail ?? null]).slice(0, 1), [['create', null]], 'the new cache-3 finds no room left: Pending');
  });

  it('after a restart, a replica placed late has its attachment written (again) before it is bound', async () => {
    const t = setup(withVf());
    await t.visit();
    t.world.pods.remove(t.pod('cache-3'));
    t.restart();
    t.writes.calls.length = 0;
    await t.visit();
    const attachment = attachmentOf(t.pod('cache-4'));
    const at = (write: string, name: string) => t.writes.calls.findIndex((c) => c.write === write && c.name === name);
    assert.ok(at('annotate', 'cache-4') < at('attachVf', attachment) && at('attachVf', attachment) < at('bind', 'cache-4'), 'annotated, attached, then bound');
  });

  it('a pod the cache does not show yet is not an error: its allocation is given back, and nothing else is made of it', async () => {
    const t = setup(dataplane({ replicas: 2 }));
    t.writes.unseen.add('cache-1');
    await t.visit();
    assert.deepEqual(t.writes.names('create').sort(), ['cache-0', 'cache-1']);
    assert.equal(t.pod('cache-1'), undefined);
    assert.equal(t.events.recorded.filter((e) => e.reason === 'Placed').length, 1, 'only cache-0 was placed');
    // cache-1's placement was given back: the allocation book holds only what cache-0's pod says.
    assert.deepEqual(t.allocations.snapshot().allocations.map((a) => a.podKey), ['ns/cache-0']);
  });

  it('scale-in removes the highest ordinals first', async () => {
    const t = setup(dataplane({ replicas: 4 }));
    await t.visit();
    t.update({ replicas: 1 });
    t.writes.calls.length = 0;
    await t.visit();
    assert.deepEqual(t.writes.names('delete'), ['cache-3', 'cache-2', 'cache-1']);
    assert.ok(t.events.recorded.some((e) => e.reason === 'ScaledDown'));
  });

  it('a rolling update replaces one replica at a time, and only while every other serves', async () => {
    const t = setup(dataplane({ replicas: 2 }));
    await t.visit();
    t.runAll();
    t.update({ image: 'img:2' });
    t.writes.calls.length = 0;
    await t.visit();
    assert.deepEqual(t.writes.names('delete'), ['cache-1'], 'the highest ordinal first, one only');
    await t.visit();
    assert.deepEqual(t.writes.names('create'), ['cache-1'], 'it comes back under its name, with the new spec');
    t.writes.calls.length = 0;
    await t.visit();
    assert.deepEqual(t.writes.names('delete'), [], 'cache-1 is not Ready yet: cache-0 waits');
    t.runAll();
    await t.visit();
    assert.deepEqual(t.writes.names('delete'), ['cache-0']);
  });

  it('deletion: the pods go first; the finalizer comes off once they are gone', async () => {
    const t = setup(dataplane({ replicas: 2 }));
    await t.visit();
    t.world.dataplanes.put({ ...t.current(), metadata: { ...t.current().metadata, deletionTimestamp: new Date() } });
    t.writes.calls.length = 0;
    const first = await t.visit();
    assert.deepEqual(t.writes.names('delete').sort(), ['cache-0', 'cache-1']);
    assert.deepEqual(t.writes.names('setFinalizer'), [], 'not while pods were there at this visit');
    assert.ok(first?.requeueAfterMs);
    await t.visit();
    assert.deepEqual(t.writes.calls.filter((c) => c.write === 'setFinalizer').map((c) => c.detail), [false]);
    assert.deepEqual(t.writes.names('create'), [], 'nothing is made for a Dataplane being deleted');
  });
});
