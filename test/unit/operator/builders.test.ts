import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { dataplane } from './fixtures.ts';
import { buildPod, PROCESS_OVERHEAD_BYTES } from '../../../src/operator/dataplane/pod-builder.ts';
import { podSpecHash, stableJson } from '../../../src/operator/dataplane/spec-hash.ts';
import { quantityToBytes } from '../../../src/operator/dataplane/quantity.ts';
import { allocationsFromPods } from '../../../src/operator/allocations.ts';
import { cpuMillis, placementNodes } from '../../../src/operator/inventory.ts';
import { buildFakeInventory } from '../../../src/sim/fake-inventory.ts';

describe('buildPod', () => {
  it('describes a placed replica: scheduler, allocation annotations, VF attachment, Guaranteed resources', () => {
    const dp = dataplane({ network: { resourceName: 'intel.com/vf', numaPolicy: 'single-numa' } });
    const pod = buildPod({ dp, name: 'cache-abcde', specHash: 'h1', defaultImage: 'img:1', allocation: { node: 'n1', numa: 1, cpus: [9, 25, 8, 24], vf: '0000:af:02.0' } });
    assert.equal(pod.spec?.schedulerName, 'ix-operator');
    assert.equal(pod.spec?.nodeName, 'n1', 'placed before it exists: created bound');
    assert.deepEqual(pod.metadata?.annotations, {
      'ix.dev/spec-hash': 'h1', 'ix.dev/node': 'n1', 'ix.dev/numa': '1', 'ix.dev/cpus': '8-9,24-25', 'ix.dev/active-cpus': '8-9,24-25',
      'ix.dev/vf': '0000:af:02.0', 'k8s.v1.cni.cncf.io/networks': 'cache-vf-0000-af-02-0',
    });
    const c = pod.spec!.containers[0]!;
    assert.deepEqual(c.resources?.requests, c.resources?.limits, 'requests equal limits: Guaranteed QoS');
    assert.equal(c.resources?.limits?.cpu, '4');
    assert.equal(c.resources?.limits?.memory, String(64 * 2 ** 20 + PROCESS_OVERHEAD_BYTES));
    assert.equal(c.resources?.limits?.['intel.com/vf'], '1');
    assert.equal(c.image, 'img:1');
    assert.deepEqual(pod.metadata?.ownerReferences?.[0], { apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'cache', uid: 'uid-1', controller: true, blockOwnerDeletion: true });
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(pod.spec?.securityContext?.runAsNonRoot, true);
  });

  it('describes an unplaced replica by what it needs, without allocation annotations', () => {
    const pod = buildPod({ dp: dataplane({ image: 'mine:2' }), name: 'cache-x', specHash: 'h', defaultImage: 'img:1' });
    assert.deepEqual(Object.keys(pod.metadata?.annotations ?? {}), ['ix.dev/spec-hash']);
    assert.equal(pod.spec?.nodeName, undefined, 'bound through the binding subresource once placed');
    assert.equal(pod.spec?.containers[0]?.resources?.requests?.cpu, '2', 'cores.min');
    assert.equal(pod.spec?.containers[0]?.image, 'mine:2');
    assert.equal(pod.spec?.containers[0]?.resources?.limits?.['intel.com/vf'], undefined, 'no network, no VF');
  });
});

describe('podSpecHash', () => {
  it('changes with what a pod is built from, not with replicas, SLO or rebalance thresholds', () => {
    const base = podSpecHash(dataplane(), 'img');
    assert.equal(podSpecHash(dataplane({ replicas: 9 }), 'img'), base);
    assert.equal(podSpecHash(dataplane({ slo: { p99: '1ms' } }), 'img'), base);
    assert.notEqual(podSpecHash(dataplane({ memory: '128Mi' }), 'img'), base);
    assert.notEqual(podSpecHash(dataplane(), 'img2'), base, 'the default image is part of the pod');
  });

  it('does not depend on key order', () => {
    assert.equal(stableJson({ b: 1, a: [{ d: 2, c: 3 }] }), stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe('quantities', () => {
  it('reads memory and CPU quantities', () => {
    assert.equal(quantityToBytes('64Mi'), 64 * 2 ** 20);
    assert.equal(quantityToBytes('1G'), 1e9);
    assert.equal(quantityToBytes('1.5Ki'), 1536);
    assert.throws(() => quantityToBytes('lots'), /not a memory quantity/);
    assert.equal(cpuMillis('2'), 2000);
    assert.equal(cpuMillis('250m'), 250);
    assert.equal(cpuMillis('1.5'), 1500);
    assert.equal(cpuMillis(undefined), 0);
  });
});

const ourPod = (name: string, ann: Record<string, string>, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name, namespace: 'ns', labels: { 'ix.dev/dataplane': 'cache' }, annotations: ann, ownerReferences: [{ apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'cache', uid: 'u', controller: true }] },
  spec: { containers: [] },
  ...extra,
});

describe('allocationsFromPods', () => {
  it('rebuilds allocations from annotations, including placed pods not yet bound', () => {
    const view = allocationsFromPods([
      ourPod('a', { 'ix.dev/node': 'n1', 'ix.dev/numa': '0', 'ix.dev/cpus': '2-3', 'ix.dev/vf': '0000:3b:02.0' }),
      ourPod('b', { 'ix.dev/numa': '1', 'ix.dev/cpus': '10' }, { spec: { nodeName: 'n2', containers: [] } }),
      ourPod('pending', {}),
      ourPod('done', { 'ix.dev/node': 'n1', 'ix.dev/numa': '0', 'ix.dev/cpus': '4' }, { status: { phase: 'Succeeded' } }),
      { metadata: { name: 'other', namespace: 'ns', annotations: { 'ix.dev/cpus': '5', 'ix.dev/node': 'n1' } }, spec: { containers: [] } },
    ]);
    assert.deepEqual(view.allocations, [
      { podKey: 'ns/a', dataplaneKey: 'ns/cache', node: 'n1', numa: 0, cpus: [2, 3], vf: '0000:3b:02.0' },
      { podKey: 'ns/b', dataplaneKey: 'ns/cache', node: 'n2', numa: 1, cpus: [10] },
    ]);
    assert.deepEqual(view.invalid, []);
  });

  it('reports unreadable annotations instead of dropping them silently', () => {
    const view = allocationsFromPods([ourPod('bad', { 'ix.dev/node': 'n1', 'ix.dev/numa': '0', 'ix.dev/cpus': '3-1' }), ourPod('numa', { 'ix.dev/node': 'n1', 'ix.dev/numa': 'x', 'ix.dev/cpus': '1' })]);
    assert.equal(view.allocations.length, 0);
    assert.deepEqual(view.invalid.map((i) => i.pod), ['ns/bad', 'ns/numa']);
  });
});

describe('placementNodes', () => {
  const node = (name: string, ready: boolean, extra: Partial<V1Node> = {}): V1Node => ({
    metadata: { name, labels: { zone: 'a' } },
    spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], ...extra.spec },
    status: { allocatable: { cpu: '16' }, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });

  it('joins inventories with nodes and counts ordinary pods\' CPU requests', () => {
    const inv = buildFakeInventory({ name: 'n1', cpus: 16, vfs: 4 });
    const pods: V1Pod[] = [
      { metadata: { name: 'web' }, spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }, { name: 'd', resources: { limits: { cpu: '1' } } }] } },
      { metadata: { name: 'done' }, spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { requests: { cpu: '4' } } }] }, status: { phase: 'Failed' } },
      ourPod('dp', {}, { spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { requests: { cpu: '8' } } }] } }),
    ];
    const [pn, ...rest] = placementNodes([inv, buildFakeInventory({ name: 'gone', cpus: 16, vfs: 0 })], [node('n1', true)], pods);
    assert.equal(rest.length, 0, 'an inventory without its Node is not a place to put pods');
    assert.equal(pn?.ready, true);
    assert.equal(pn?.allocatableCpuMillis, 16000);
    assert.equal(pn?.nonDataplaneCpuRequestMillis, 1500, 'ordinary running pods only');
    assert.deepEqual(pn?.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
    assert.deepEqual(pn?.reservedCpus, [0, 4, 8, 12]);
    assert.equal(pn?.vfs.length, 4);
  });
});

describe('buildFakeInventory', () => {
  it('numbers CPUs like Linux: first threads socket by socket, then their siblings', () => {
    const inv = buildFakeInventory({ name: 'n', cpus: 16, vfs: 4 });
    assert.deepEqual(inv.spec.cpus.slice(0, 5).map((c) => [c.id, c.socket, c.core]), [[0, 0, 0], [1, 0, 1], [2, 0, 2], [3, 0, 3], [4, 1, 0]]);
    assert.deepEqual(inv.spec.cpus[8], { id: 8, core: 0, socket: 0, numa: 0 }, 'CPU 8 is the sibling of CPU 0');
    assert.equal(inv.spec.reservedCpus, '0,4,8,12');
    assert.deepEqual(inv.spec.vfs?.map((v) => [v.pciAddress, v.pf, v.numa]), [['0000:3b:02.0', 'ens1f0', 0], ['0000:af:02.0', 'ens2f0', 1], ['0000:3b:02.1', 'ens1f0', 0], ['0000:af:02.1', 'ens2f0', 1]]);
    assert.throws(() => buildFakeInventory({ name: 'n', cpus: 10, vfs: 0, numaCells: 4 }), /do not split/);
  });
});
