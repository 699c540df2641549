// slimPod keeps what the operator reads of a pod: every reader gives the same answer on a full pod
// (as the kubelet and Multus leave it) and on its slim copy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { slimPod } from '../../../src/operator/slim-pod.ts';
import { buildPod } from '../../../src/operator/dataplane/pod-builder.ts';
import { allocationOfPod, holdsResources } from '../../../src/operator/allocations.ts';
import { podCpuRequestMillis } from '../../../src/operator/inventory.ts';
import { podPlacementInput } from '../../../src/operator/placement-inputs.ts';
import { actuatedCpus, blockedResize, grantedCpuCount, resizeState, resizeTarget, specCpus } from '../../../src/operator/rebalance/grant-resources.ts';
import { computeStatus, isPodReady } from '../../../src/operator/dataplane/status.ts';
import { protectionPatch } from '../../../src/operator/dataplane/disruption-annotations.ts';
import { replicaAddress, vfAddressOf } from '../../../src/operator/dataplane/addresses.ts';
import { dataplane } from './fixtures.ts';

const dp = dataplane({ network: { resourceName: 'intel.com/vf', numaPolicy: 'single-numa' } });

/** A running, resized dataplane pod as the apiserver returns it, with everything slimming drops. */
function fullPod(): V1Pod {
  const pod = buildPod({ dp, name: 'cache-0', specHash: 'h', defaultImage: 'img:1', allocation: { node: 'n1', numa: 0, cpus: [2, 3], vf: '0000:3b:02.1' } });
  pod.metadata = {
    ...pod.metadata, uid: 'pod-uid', resourceVersion: '7',
    ownerReferences: [{ apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'cache', uid: 'uid-1', controller: true }],
    annotations: {
      ...pod.metadata!.annotations, 'ix.dev/cpus': '2-5',
      'k8s.v1.cni.cncf.io/network-status': JSON.stringify([{ name: `ns/${pod.metadata!.annotations!['k8s.v1.cni.cncf.io/networks']}`, interface: 'net1', ips: ['192.168.5.4'] }]),
    },
    managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } }],
  };
  pod.status = {
    phase: 'Running', podIP: '10.0.0.7', podIPs: [{ ip: '10.0.0.7' }], qosClass: 'Guaranteed', hostIP: '192.168.1.1', startTime: new Date(0),
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodResizePending', status: 'True', reason: 'Deferred', message: 'node is full' }],
    containerStatuses: [{
      name: 'dataplane', ready: true, restartCount: 1, image: 'img:1', imageID: 'sha256:x', containerID: 'containerd://y', started: true,
      state: { running: { startedAt: new Date(0) } }, resources: { limits: { cpu: '2' }, requests: { cpu: '2' } }, allocatedResources: { cpu: '2' },
    }],
  };
  return pod;
}

describe('slimPod', () => {
  it('keeps what every reader of the operator reads: the same answers on the full pod and on its slim copy', () => {
    const full = fullPod();
    const slim = slimPod(structuredClone(full));
    const readers: Record<string, (p: V1Pod) => unknown> = {
      allocationOfPod, holdsResources, podCpuRequestMillis, podPlacementInput, actuatedCpus, blockedResize, grantedCpuCount, resizeState, resizeTarget, specCpus, isPodReady,
      vfAddressOf, replicaAddress: (p) => replicaAddress(dp, p), protectionPatch: (p) => protectionPatch(dp, p),
      status: (p) => computeStatus({ dp, pods: [p], specHash: 'h', now: new Date(0) }),
    };
    for (const [name, read] of Object.entries(readers)) assert.deepEqual(read(slim), read(full), name);
    assert.equal(resizeState(full).kind, 'deferred', 'the fixture exercises the resize readers');
    assert.notEqual(resizeTarget(full), undefined, 'and a grant that differs from the spec');
  });

  it('drops what nobody reads: managed fields, volumes, env, probes, container states', () => {
    const slim = slimPod(fullPod());
    assert.equal(slim.metadata?.managedFields, undefined);
    assert.equal(slim.spec?.volumes, undefined);
    assert.deepEqual(Object.keys(slim.spec!.containers[0]!), ['name', 'resources']);
    assert.equal(slim.status?.containerStatuses?.[0]?.state, undefined);
    assert.ok(JSON.stringify(slim).length < JSON.stringify(fullPod()).length / 2, `slim ${JSON.stringify(slim).length} bytes, full ${JSON.stringify(fullPod()).length}`);
  });
});
