import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { containerCgroupName, cpusetHierarchy, kubepodsParents, parseContainerId, podCgroupPaths } from '../../../src/agent/cgroups/paths.ts';
import { qosClassOf } from '../../../src/agent/cgroups/qos.ts';

const UID = '1f2e3d4c-0000-4abc-8def-0123456789ab';

describe('cgroup path layouts', () => {
  it('names the pod cgroup for each QoS class under the systemd and cgroupfs drivers', () => {
    assert.deepEqual(podCgroupPaths(UID, 'Guaranteed'), [
      { driver: 'systemd', path: 'kubepods.slice/kubepods-pod1f2e3d4c_0000_4abc_8def_0123456789ab.slice' },
      { driver: 'cgroupfs', path: `kubepods/pod${UID}` },
    ]);
    assert.deepEqual(podCgroupPaths(UID, 'Burstable'), [
      { driver: 'systemd', path: 'kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e3d4c_0000_4abc_8def_0123456789ab.slice' },
      { driver: 'cgroupfs', path: `kubepods/burstable/pod${UID}` },
    ]);
    assert.deepEqual(podCgroupPaths(UID, 'BestEffort'), [
      { driver: 'systemd', path: 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e3d4c_0000_4abc_8def_0123456789ab.slice' },
      { driver: 'cgroupfs', path: `kubepods/besteffort/pod${UID}` },
    ]);
    assert.throws(() => podCgroupPaths('../etc', 'Guaranteed'), /cannot name a cgroup/);
  });

  it('names container cgroups as containerd and CRI-O do', () => {
    const id = 'a'.repeat(64);
    assert.equal(containerCgroupName('containerd', 'systemd', id), `cri-containerd-${id}.scope`);
    assert.equal(containerCgroupName('containerd', 'cgroupfs', id), id);
    assert.equal(containerCgroupName('cri-o', 'systemd', id), `crio-${id}.scope`);
    assert.equal(containerCgroupName('cri-o', 'cgroupfs', id), `crio-${id}`);
    assert.deepEqual(parseContainerId(`containerd://${id}`), { runtime: 'containerd', id });
    assert.deepEqual(parseContainerId(`cri-o://${id}`), { runtime: 'cri-o', id });
    assert.equal(parseContainerId(`docker://${id}`), undefined);
  });

  it('lists the kubepods parents, outermost first', () => {
    assert.deepEqual(kubepodsParents('systemd'), ['kubepods.slice', 'kubepods.slice/kubepods-burstable.slice', 'kubepods.slice/kubepods-besteffort.slice']);
    assert.deepEqual(kubepodsParents('cgroupfs'), ['kubepods', 'kubepods/burstable', 'kubepods/besteffort']);
  });

  it('chooses v2 when the unified root offers cpuset, else the v1 cpuset hierarchy', () => {
    assert.deepEqual(cpusetHierarchy({ controllers: 'cpuset cpu io memory pids', hasV1Cpuset: false }), { version: 'v2', subdir: '' });
    assert.deepEqual(cpusetHierarchy({ hasV1Cpuset: true }), { version: 'v1', subdir: 'cpuset' });
    assert.deepEqual(cpusetHierarchy({ controllers: 'memory pids', hasV1Cpuset: true }), { version: 'v1', subdir: 'cpuset' });
    assert.throws(() => cpusetHierarchy({ controllers: 'memory pids', hasV1Cpuset: false }), /does not offer the cpuset controller/);
  });

  it('computes the QoS class when the kubelet has not written it yet', () => {
    const pod = (resources: { requests?: Record<string, string>; limits?: Record<string, string> }[]) => ({ spec: { containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) } });
    assert.equal(qosClassOf(pod([{ limits: { cpu: '2', memory: '1Gi' } }])), 'Guaranteed');
    assert.equal(qosClassOf(pod([{ requests: { cpu: '1' } }])), 'Burstable');
    assert.equal(qosClassOf(pod([{ limits: { 'intel.com/sriov_netdevice': '1' } }])), 'BestEffort');
    assert.equal(qosClassOf(pod([{}])), 'BestEffort');
    assert.equal(qosClassOf({ status: { qosClass: 'Burstable' } }), 'Burstable');
  });
});
