// Enforcement on the real cgroups of this machine: a kubelet-like tree (kubepods.slice, a Guaranteed
// dataplane pod and a BestEffort pod, one container each running a real `sleep`) is built inside a
// cgroup of this test's own, the enforcer applies the plan, and the kernel's view of each process
// (Cpus_allowed_list in /proc/<pid>/status) must follow, and the dataplane's memory nodes
// (cpuset.mems, Mems_allowed_list) must be its NUMA cell's. Needs root and a writable cpuset hierarchy
// (cgroup v2 with the cpuset controller, or v1's cpuset); fails, naming what is missing, without them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { enforce } from '../../../src/agent/enforcer.ts';
import { findCpusetHierarchy, type CpusetHierarchy } from '../../../src/agent/cgroups/hierarchy.ts';
import { planCpusets } from '../../../src/agent/plan.ts';
import { log } from '../../../src/lib/log.ts';
import { sleep } from '../../../src/lib/kube.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const DP_UID = '0a1b2c3d-1111-4222-8333-444455556666';
const WEB_UID = '0a1b2c3d-7777-4888-8999-aaaabbbbcccc';
const DP_CID = 'd'.repeat(64);
const WEB_CID = 'e'.repeat(64);

const children: ChildProcess[] = [];
let testDir: string | undefined;

function fail(what: string, e: unknown): never {
  throw new Error(`real cgroup enforcement cannot be tested here: ${what}: ${(e as Error).message}. ` +
    `This test needs root and a writable cpuset cgroup hierarchy under ${CGROUP_ROOT} (cgroup v2 with the cpuset controller, or cgroup v1 with cpuset mounted at ${CGROUP_ROOT}/cpuset).`);
}

/** A new cgroup as a runtime makes one: on v1 it starts with no CPUs or memory nodes, so it gets its parent's. */
function makeCgroup(h: CpusetHierarchy, dir: string): void {
  fs.mkdirSync(dir);
  if (h.version === 'v1') {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(path.dirname(dir), f), 'utf8').trim());
  }
}

/** On v2 a child has cpuset files only when its parent delegates the controller. */
function delegateCpuset(h: CpusetHierarchy, dir: string): void {
  if (h.version !== 'v2') return;
  const control = path.join(dir, 'cgroup.subtree_control');
  if (!fs.readFileSync(control, 'utf8').split(/\s+/).includes('cpuset')) fs.writeFileSync(control, '+cpuset');
}

async function startIn(dir: string): Promise<ChildProcess> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
  return child;
}

const allowed = (pid: number, what = 'Cpus') => new RegExp(`^${what}_allowed_list:\\s*(\\S+)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

function pod(name: string, uid: string, qos: string, cid: string, cpus?: string): V1Pod {
  return {
    metadata: { name, namespace: 'real', uid, labels: cpus ? { 'ix.dev/dataplane': 'dp' } : {}, annotations: cpus ? { 'ix.dev/cpus': cpus } : {} },
    status: { phase: 'Running', qosClass: qos, containerStatuses: [{ name: 'main', image: 'x', imageID: 'x', ready: true, restartCount: 0, containerID: `containerd://${cid}`, state: { running: {} } }] },
  };
}

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  if (!testDir) return;
  // Deepest first: a cgroup with children cannot be removed. The kernel may need a moment to
  // notice the killed processes have left.
  const dirs: string[] = [];
  const walk = (d: string) => {
    dirs.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(testDir);
  for (const d of dirs.reverse()) {
    for (let i = 0; i < 50; i++) {
      try {
        fs.rmdirSync(d);
        break;
      } catch {
        await sleep(100);
      }
    }
  }
});

describe('enforcement on this machine\'s cgroups', () => {
  it('pins a dataplane pod\'s process to its CPUs and another pod\'s to the rest, and follows a move', async () => {
    const online = os.cpus().length;
    assert.ok(online >= 2, `this test needs at least 2 CPUs, the machine has ${online}`);
    let h: CpusetHierarchy;
    try {
      h = await findCpusetHierarchy(CGROUP_ROOT);
    } catch (e) {
      fail('no cpuset hierarchy', e);
    }
    // A tree of the test's own inside the real hierarchy, laid out as the kubelet (systemd driver)
    // and containerd lay out theirs; the enforcer is pointed at it instead of the node's kubepods.
    const root = path.join(h.dir, `ix-agent-test-${process.pid}`);
    const dpPod = path.join(root, 'kubepods.slice', `kubepods-pod${DP_UID.replaceAll('-', '_')}.slice`);
    const webQos = path.join(root, 'kubepods.slice', 'kubepods-besteffort.slice');
    const webPod = path.join(webQos, `kubepods-besteffort-pod${WEB_UID.replaceAll('-', '_')}.slice`);
    try {
      delegateCpuset(h, h.dir);
      makeCgroup(h, root);
      testDir = root;
      for (const d of [path.join(root, 'kubepods.slice'), dpPod, path.join(dpPod, `cri-containerd-${DP_CID}.scope`), webQos, webPod, path.join(webPod, `cri-containerd-${WEB_CID}.scope`)]) {
        delegateCpuset(h, path.dirname(d));
        makeCgroup(h, d);
      }
    } catch (e) {
      fail(`cannot create cgroups under ${h.dir}`, e);
    }
    let dp: ChildProcess;
    let web: ChildProcess;
    try {
      dp = await startIn(path.join(dpPod, `cri-containerd-${DP_CID}.scope`));
      web = await startIn(path.join(webPod, `cri-containerd-${WEB_CID}.scope`));
    } catch (e) {
      fail('cannot move a process into a new cgroup', e);
    }
    const hierarchy: CpusetHierarchy = { version: h.version, dir: root };
    const cpus = Array.from({ length: online }, (_, i) => i);
    // The dataplane's cell: the one CPU 0 is on (every CPU of a single-node machine).
    const cellOfCpu = (c: number) => Number(fs.readdirSync(`/sys/devices/system/cpu/cpu${c}`).find((e) => /^node\d+$/.test(e))?.slice(4) ?? 0);
    const cellOf = new Map(cpus.map((c) => [c, cellOfCpu(c)]));
    const rest = (c: number) => (online === 2 ? String(1 - c) : undefined);

    for (const dedicated of [0, 1]) {
      const pods = [pod('dp', DP_UID, 'Guaranteed', DP_CID, String(dedicated)), pod('web', WEB_UID, 'BestEffort', WEB_CID)];
      const result = await enforce(planCpusets(pods, cpus, cellOf), { hierarchy, dryRun: false, log });
      assert.deepEqual(result.problems.map((p) => p.message), []);
      assert.deepEqual(result.applied, { 'real/dp': String(dedicated) });
      assert.equal(allowed(dp.pid!), String(dedicated), `the dataplane process runs on CPU ${dedicated} only`);
      const cell = String(cellOf.get(dedicated));
      assert.deepEqual(result.mems, { 'real/dp': cell });
      assert.equal(fs.readFileSync(path.join(dpPod, `cri-containerd-${DP_CID}.scope`, 'cpuset.mems'), 'utf8').trim(), cell, 'the container cgroup\'s cpuset.mems is the cell');
      assert.equal(allowed(dp.pid!, 'Mems'), cell, `the kernel lets the dataplane process allocate on cell ${cell} only`);
      const webCpus = allowed(web.pid!);
      if (rest(dedicated) !== undefined) assert.equal(webCpus, rest(dedicated), 'the other pod\'s process runs on the shared pool');
      assert.ok(!webCpus?.split(',').includes(String(dedicated)), 'never on the dedicated CPU');
      const again = await enforce(planCpusets(pods, cpus, cellOf), { hierarchy, dryRun: false, log });
      assert.equal(again.writes, 0, 'a second pass writes nothing');
    }
  });
});
