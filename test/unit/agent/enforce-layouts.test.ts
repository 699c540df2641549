// The enforcer against cgroup trees laid out in a temp directory as the kubelet, containerd and
// CRI-O lay them out (cgroup v1 and v2): which files get which set, in which order, and that a
// second pass writes nothing. The kernel's own rules are exercised by cgroups-real.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { enforce } from '../../../src/agent/enforcer.ts';
import { findCpusetHierarchy } from '../../../src/agent/cgroups/hierarchy.ts';
import { setCpuset } from '../../../src/agent/cgroups/apply.ts';
import { planCpusets } from '../../../src/agent/plan.ts';
import { log } from '../../../src/lib/log.ts';

const CID = (c: string) => c.repeat(64);

function tmpRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ix-agent-cg-'));
}

function cg(dir: string, cpus: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cpuset.cpus'), `${cpus}\n`);
}

const read = (dir: string) => fs.readFileSync(path.join(dir, 'cpuset.cpus'), 'utf8').trim();

function pod(name: string, uid: string, qos: string, opts: { cpus?: string; containerId?: string } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid, labels: opts.cpus ? { 'ix.dev/dataplane': 'dp' } : {}, annotations: opts.cpus ? { 'ix.dev/cpus': opts.cpus } : {} },
    status: {
      phase: 'Running', qosClass: qos,
      containerStatuses: opts.containerId ? [{ name: 'main', image: 'x', imageID: 'x', ready: true, restartCount: 0, containerID: opts.containerId, state: { running: {} } }] : [],
    },
  };
}

describe('enforcement on cgroup layouts', () => {
  it('cgroup v1, systemd driver, containerd: dataplane pod on its CPUs, other pods and kubepods on the rest', async () => {
    const root = tmpRoot();
    const cs = path.join(root, 'cpuset');
    cg(cs, '0-7');
    cg(path.join(cs, 'kubepods.slice'), '0-7');
    cg(path.join(cs, 'kubepods.slice/kubepods-burstable.slice'), '0-7');
    cg(path.join(cs, 'kubepods.slice/kubepods-besteffort.slice'), '0-5');
    const dpDir = path.join(cs, 'kubepods.slice/kubepods-poda_b.slice');
    cg(dpDir, '0-7');
    cg(path.join(dpDir, `cri-containerd-${CID('1')}.scope`), '0-7');
    cg(path.join(dpDir, `cri-containerd-${CID('2')}.scope`), '0-7'); // the sandbox (pause) container
    const webDir = path.join(cs, 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podc_d.slice');
    cg(webDir, '0-5');
    cg(path.join(webDir, `cri-containerd-${CID('3')}.scope`), '0-5');

    const hierarchy = await findCpusetHierarchy(root);
    assert.deepEqual(hierarchy, { version: 'v1', dir: cs });
    const pods = [pod('dp-0', 'a-b', 'Guaranteed', { cpus: '2-3', containerId: `containerd://${CID('1')}` }), pod('web', 'c-d', 'BestEffort', { containerId: `containerd://${CID('3')}` })];
    const plan = planCpusets(pods, [0, 1, 2, 3, 4, 5, 6, 7]);
    const first = await enforce(plan, { hierarchy, dryRun: false, log });
    assert.deepEqual(first.problems, []);
    assert.deepEqual(first.applied, { 'ns/dp-0': '2-3' });
    assert.equal(read(path.join(cs, 'kubepods.slice/kubepods-besteffort.slice')), '0-7', 'the QoS parent widened to hold every CPU');
    assert.equal(read(dpDir), '2-3');
    assert.equal(read(path.join(dpDir, `cri-containerd-${CID('1')}.scope`)), '2-3');
    assert.equal(read(path.join(dpDir, `cri-containerd-${CID('2')}.scope`)), '2-3');
    assert.equal(read(webDir), '0-1,4-7');
    assert.equal(read(path.join(webDir, `cri-containerd-${CID('3')}.scope`)), '0-1,4-7');
    const second = await enforce(planCpusets(pods, [0, 1, 2, 3, 4, 5, 6, 7]), { hierarchy, dryRun: false, log });
    assert.equal(second.writes, 0, 'a second pass finds everything in place and writes nothing');
    fs.rmSync(root, { recursive: true });
  });

  it('cgroup v2, cgroupfs driver, CRI-O, Burstable pod; a missing container cgroup and a missing pod cgroup are reported', async () => {
    const root = tmpRoot();
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    cg(path.join(root, 'kubepods'), '');
    cg(path.join(root, 'kubepods/burstable'), '');
    const podDir = path.join(root, 'kubepods/burstable/pod1234');
    cg(podDir, '');
    cg(path.join(podDir, `crio-${CID('e')}`), '');
    const hierarchy = await findCpusetHierarchy(root);
    assert.deepEqual(hierarchy, { version: 'v2', dir: root });
    const pods = [
      pod('dp-0', '1234', 'Burstable', { cpus: '4-5', containerId: `cri-o://${CID('e')}` }),
      pod('dp-1', '5678', 'Guaranteed', { cpus: '6' }),
    ];
    const result = await enforce(planCpusets(pods, [0, 1, 2, 3, 4, 5, 6, 7]), { hierarchy, dryRun: false, log });
    assert.equal(read(path.join(root, 'kubepods')), '', 'an empty v2 parent already inherits every CPU and is left alone');
    assert.equal(read(podDir), '4-5');
    assert.equal(read(path.join(podDir, `crio-${CID('e')}`)), '4-5');
    assert.deepEqual(result.applied, { 'ns/dp-0': '4-5' });
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!.message, /cgroup of the pod not found \(looked for .*kubepods\.slice\/kubepods-pod5678\.slice and .*kubepods\/pod5678\): CPUs 6 not applied/);

    // The container's cgroup is not where CRI-O puts it: reported, since the container would escape the cpuset.
    fs.rmSync(path.join(podDir, `crio-${CID('e')}`), { recursive: true });
    cg(path.join(podDir, 'somewhere-else'), '');
    const again = await enforce(planCpusets(pods.slice(0, 1), [0, 1, 2, 3, 4, 5, 6, 7]), { hierarchy, dryRun: false, log });
    assert.deepEqual(again.applied, {});
    assert.match(again.problems[0]!.message, new RegExp(`running containers without a cgroup under .*: main \\(crio-${CID('e')}\\)`));
    fs.rmSync(root, { recursive: true });
  });

  it('moves a tree in two passes (widen top-down, narrow bottom-up), as cgroup v1 requires', async () => {
    const root = tmpRoot();
    const a = path.join(root, 'pod');
    cg(a, '2-3');
    cg(path.join(a, 'c1'), '2-3');
    const writes: string[] = [];
    const n = await setCpuset([a, path.join(a, 'c1')], [4, 5], { version: 'v1', dryRun: false, onWrite: (dir, from, to) => writes.push(`${path.relative(root, dir)} ${from}->${to}`) });
    assert.equal(n, 4);
    assert.deepEqual(writes, ['pod 2-3->2-5', 'pod/c1 2-3->2-5', 'pod/c1 2-5->4-5', 'pod 2-5->4-5']);
    await assert.rejects(setCpuset([a], [], { version: 'v1', dryRun: false }), /refusing to write an empty cpuset/);
    fs.rmSync(root, { recursive: true });
  });

  it('writes nothing in a dry run', async () => {
    const root = tmpRoot();
    cg(path.join(root, 'cpuset'), '0-3');
    cg(path.join(root, 'cpuset/kubepods'), '0-2');
    const podDir = path.join(root, 'cpuset/kubepods/podab');
    cg(podDir, '0-3');
    const hierarchy = await findCpusetHierarchy(root);
    const result = await enforce(planCpusets([pod('dp', 'ab', 'Guaranteed', { cpus: '1' })], [0, 1, 2, 3]), { hierarchy, dryRun: true, log });
    assert.equal(result.writes, 2, 'kubepods widened to 0-3 and the pod narrowed to 1, on paper');
    assert.equal(read(path.join(root, 'cpuset/kubepods')), '0-2');
    assert.equal(read(podDir), '0-3');
    fs.rmSync(root, { recursive: true });
  });
});
