// The whole enforcement pass on the fixture machines (test/fixtures/sysfs and procfs, written by
// test/fixtures/sysfs/build.ts): a copy of their /proc/irq, a kubelet-like cgroup v1 tree (cgroupfs
// driver) in a temp directory, and an ethtool stand-in that holds each VF's channel count (the real
// ethtool is ethtool-real.test.ts's). On the two-socket SR-IOV machine a dataplane pod on cell 0 is
// granted one core, grows to two and shrinks to one, while another holds a VF on cell 1 throughout;
// on the one-socket machine a pod without a VF does the same. The exact writes of each step are
// pinned, and a pass that finds everything in place writes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { findCpusetHierarchy } from '../../../src/agent/cgroups/hierarchy.ts';
import { discoverInventory } from '../../../src/agent/discover.ts';
import type { ChannelControl, Channels, NetdevRef } from '../../../src/agent/nic/ethtool.ts';
import { IrqAffinities } from '../../../src/agent/nic/procfs-irq.ts';
import { enforcePass, type PassOptions } from '../../../src/agent/pass.ts';
import { Sysfs } from '../../../src/agent/sysfs/read.ts';
import { formatCpuset } from '../../../src/lib/cpuset.ts';
import { log } from '../../../src/lib/log.ts';
import { repoRoot } from '../../../src/lib/paths.ts';

const fixture = (tree: string, name: string) => path.join(repoRoot, 'test', 'fixtures', tree, name);
const A_UID = 'aaaaaaaa-0000-4000-8000-000000000001';
const B_UID = 'bbbbbbbb-0000-4000-8000-000000000002';
const WEB_UID = 'cccccccc-0000-4000-8000-000000000003';

/** ethtool's view of the fixture's VF netdevs: iavf offers 4 combined channels, mlx5 8. */
class FakeChannels implements ChannelControl {
  readonly state = new Map<string, Required<Channels>>([
    ['ens1f0v0', { combined: 4, maxCombined: 4 }], ['ens1f0v1', { combined: 4, maxCombined: 4 }], ['ens1f0v2', { combined: 4, maxCombined: 4 }],
    ['ens2f0v0', { combined: 8, maxCombined: 8 }], ['ens2f0v1', { combined: 8, maxCombined: 8 }],
  ]);
  refuse?: string;

  busInfo(): Promise<string | undefined> {
    throw new Error('the fixture\'s VF netdevs are in the host namespace: no lookup through a pod\'s');
  }
  read(dev: NetdevRef): Promise<Channels> {
    return Promise.resolve({ ...this.state.get(dev.ifname)! });
  }
  setCombined(dev: NetdevRef, count: number): Promise<void> {
    if (this.refuse === dev.ifname) return Promise.reject(new Error(`ethtool -L ${dev.ifname} combined ${count}: netlink error: Operation not supported`));
    this.state.get(dev.ifname)!.combined = count;
    return Promise.resolve();
  }
}

function cg(dir: string, cpus: string, mems: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cpuset.cpus'), `${cpus}\n`);
  fs.writeFileSync(path.join(dir, 'cpuset.mems'), `${mems}\n`);
}

function dataplane(name: string, uid: string, vf: string, numa: string, cpus: string): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid, labels: { 'ix.dev/dataplane': 'dp' }, annotations: { 'ix.dev/cpus': cpus, 'ix.dev/active-cpus': cpus, 'ix.dev/vf': vf, 'ix.dev/numa': numa } },
    status: { phase: 'Running', qosClass: 'Guaranteed' },
  };
}

const web: V1Pod = { metadata: { name: 'web', namespace: 'ns', uid: WEB_UID, labels: {}, annotations: {} }, status: { phase: 'Running', qosClass: 'BestEffort' } };

/**
 * The writes of a pass, interrupts with the same change on one line ("proc/irq/{100,102,104}: 0-30 -> 2"),
 * in the order of their first write; cgroup files and ethtool commands as they came.
 */
function summarize(writes: readonly string[]): string[] {
  const out: (string | { change: string; irqs: number[] })[] = [];
  const groups = new Map<string, { change: string; irqs: number[] }>();
  for (const w of writes) {
    const m = /^proc\/irq\/(\d+)\/smp_affinity_list: (.*)$/.exec(w);
    if (!m) {
      out.push(w);
      continue;
    }
    let g = groups.get(m[2]!);
    if (!g) {
      g = { change: m[2]!, irqs: [] };
      groups.set(m[2]!, g);
      out.push(g);
    }
    g.irqs.push(Number(m[1]));
  }
  return out.map((o) => (typeof o === 'string' ? o : `proc/irq/{${formatCpuset(o.irqs)}}: ${o.change}`));
}

/** The fixture machine with a cgroup v1 tree whose every cgroup starts on all CPUs and memory nodes. */
async function machine(name = 'two-socket-sriov', dryRun = false) {
  const [cpus, mems] = name === 'two-socket-sriov' ? ['0-30', '0-1'] : ['0-3', '0'];
  const sysfs = fixture('sysfs', name);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-agent-nic-'));
  const proc = path.join(tmp, 'proc');
  fs.cpSync(fixture('procfs', name), proc, { recursive: true });
  const cs = path.join(tmp, 'cgroup', 'cpuset');
  for (const dir of ['', 'kubepods', 'kubepods/besteffort', `kubepods/besteffort/pod${WEB_UID}`, ...[A_UID, B_UID].flatMap((uid) => [`kubepods/pod${uid}`, `kubepods/pod${uid}/sandbox`])]) {
    cg(path.join(cs, dir), cpus, mems);
  }
  const channels = new FakeChannels();
  const writes: string[] = [];
  const opts: PassOptions = {
    hierarchy: await findCpusetHierarchy(path.join(tmp, 'cgroup')), sysfs: new Sysfs(sysfs), irqs: new IrqAffinities(proc), channels, vfChannels: true, procRoot: proc,
    dryRun, log, onWrite: (file, from, to) => writes.push(`${file.startsWith(tmp) ? path.relative(tmp, file) : file}: ${from} -> ${to}`),
  };
  const spec = await discoverInventory(sysfs);
  const pass = async (pods: V1Pod[]) => {
    writes.length = 0;
    const result = await enforcePass(pods, spec, opts);
    return { result, writes: summarize(writes) };
  };
  return { tmp, proc, cs, channels, pass, irq: (n: number) => fs.readFileSync(path.join(proc, 'irq', String(n), 'smp_affinity_list'), 'utf8') };
}

describe('the NIC side on the two-socket SR-IOV fixture', () => {
  it('VF vectors, cpuset.mems and channels follow a grant, a grow and a shrink; the rest of the interrupts stay off dedicated CPUs', async () => {
    const m = await machine();
    const b = dataplane('dp-b', B_UID, '0000:af:00.2', '1', '9,25');
    const podA = (cpus: string) => dataplane('dp-a', A_UID, '0000:3b:01.0', '0', cpus);

    const A = `cgroup/cpuset/kubepods/pod${A_UID}`;
    const B = `cgroup/cpuset/kubepods/pod${B_UID}`;
    const WEB = `cgroup/cpuset/kubepods/besteffort/pod${WEB_UID}`;

    // The grant: A gets core 2 (CPUs 2 and 18) on cell 0 with VF 0000:3b:01.0 (IRQs 100-104), B core 9 on cell 1 with 0000:af:00.2 (120-124).
    const grant = await m.pass([podA('2,18'), b, web]);
    assert.deepEqual(grant.result.problems, []);
    assert.deepEqual(grant.writes, [
      `${A}/sandbox/cpuset.cpus: 0-30 -> 2,18`, `${A}/cpuset.cpus: 0-30 -> 2,18`,
      `${A}/sandbox/cpuset.mems: 0-1 -> 0`, `${A}/cpuset.mems: 0-1 -> 0`,
      `${B}/sandbox/cpuset.cpus: 0-30 -> 9,25`, `${B}/cpuset.cpus: 0-30 -> 9,25`,
      `${B}/sandbox/cpuset.mems: 0-1 -> 1`, `${B}/cpuset.mems: 0-1 -> 1`,
      `${WEB}/cpuset.cpus: 0-30 -> 0-1,3-8,10-17,19-24,26-30`,
      // One vector per active CPU, round robin (100 is iavf's misc vector, 101-104 its queues).
      'proc/irq/{100,102,104}: 0-30 -> 2', 'proc/irq/{101,103}: 0-30 -> 18',
      'proc/irq/{120,122,124}: 0-30 -> 9', 'proc/irq/{121,123}: 0-30 -> 25',
      // Everything else (the PFs, the other VFs, eno1, NVMe, legacy IRQs) off the dedicated CPUs.
      'proc/irq/{1,8-9,40-43,50-53,60-63,105-114,125-129}: 0-30 -> 0-1,3-8,10-17,19-24,26-30',
      'proc/irq/{30}: 2 -> 0-1,3-8,10-17,19-24,26-30', 'proc/irq/{31}: 1-3 -> 1,3', 'proc/irq/{32}: 9 -> 0-1,3-8,10-17,19-24,26-30',
      'ethtool -L ens1f0v0 combined: 4 -> 2', 'ethtool -L ens2f0v0 combined: 8 -> 2',
    ]);
    assert.deepEqual(grant.result.appliedLocality, [
      { pod: 'ns/dp-a', mems: '0', vf: '0000:3b:01.0', irqs: { 100: '2', 101: '18', 102: '2', 103: '18', 104: '2' }, channels: 2 },
      { pod: 'ns/dp-b', mems: '1', vf: '0000:af:00.2', irqs: { 120: '9', 121: '25', 122: '9', 123: '25', 124: '9' }, channels: 2 },
    ]);
    assert.equal(m.irq(101), '18', 'written to the IRQ\'s file');
    assert.deepEqual((await m.pass([podA('2,18'), b, web])).writes, [], 'everything in place (a restarted agent): nothing written');

    // Grow: A gets core 3 as well. Its vectors spread over four CPUs, its VF gets four channels, and
    // every other interrupt leaves CPUs 3 and 19.
    const grow = await m.pass([podA('2-3,18-19'), b, web]);
    assert.deepEqual(grow.result.problems, []);
    assert.deepEqual(grow.writes, [
      `${A}/cpuset.cpus: 2,18 -> 2-3,18-19`, `${A}/sandbox/cpuset.cpus: 2,18 -> 2-3,18-19`,
      `${WEB}/cpuset.cpus: 0-1,3-8,10-17,19-24,26-30 -> 0-1,4-8,10-17,20-24,26-30`,
      'proc/irq/{101}: 18 -> 3', 'proc/irq/{102}: 2 -> 18', 'proc/irq/{103}: 18 -> 19',
      'proc/irq/{1,8-9,30,32,40-43,50-53,60-63,105-114,125-129}: 0-1,3-8,10-17,19-24,26-30 -> 0-1,4-8,10-17,20-24,26-30',
      'proc/irq/{31}: 1,3 -> 1',
      'ethtool -L ens1f0v0 combined: 2 -> 4',
    ]);

    // Shrink: A gives core 2 back. Its vectors follow it to CPUs 3 and 19; the others already avoid
    // every dedicated CPU and stay where they are.
    const shrink = await m.pass([podA('3,19'), b, web]);
    assert.deepEqual(shrink.result.problems, []);
    assert.deepEqual(shrink.writes, [
      `${A}/sandbox/cpuset.cpus: 2-3,18-19 -> 3,19`, `${A}/cpuset.cpus: 2-3,18-19 -> 3,19`,
      `${WEB}/cpuset.cpus: 0-1,4-8,10-17,20-24,26-30 -> 0-2,4-8,10-18,20-24,26-30`,
      'proc/irq/{100,104}: 2 -> 3', 'proc/irq/{101}: 3 -> 19', 'proc/irq/{102}: 18 -> 3',
      'ethtool -L ens1f0v0 combined: 4 -> 2',
    ]);
    assert.deepEqual(shrink.result.appliedLocality[0], { pod: 'ns/dp-a', mems: '0', vf: '0000:3b:01.0', irqs: { 100: '3', 101: '19', 102: '3', 103: '19', 104: '3' }, channels: 2 });

    // Drift (someone moved IRQ 101 and widened A's memory) is repaired; a vector the kernel refuses
    // (103's file is a read-only sysfs attribute: EACCES) and a channel count the driver refuses are
    // problems of the pod, with their messages, and everything else still applies.
    fs.writeFileSync(path.join(m.proc, 'irq/101/smp_affinity_list'), '0-30\n');
    fs.writeFileSync(path.join(m.cs, `kubepods/pod${A_UID}/cpuset.mems`), '0-1\n');
    const refused = path.join(m.proc, 'irq/103/smp_affinity_list');
    fs.rmSync(refused);
    fs.symlinkSync('/sys/devices/system/cpu/online', refused);
    m.channels.state.get('ens1f0v0')!.combined = 4;
    m.channels.refuse = 'ens1f0v0';
    const drift = await m.pass([podA('3,19'), b, web]);
    assert.deepEqual(drift.writes.filter((w) => !w.startsWith('proc/irq/{103}')), [
      `${A}/cpuset.mems: 0-1 -> 0`, 'proc/irq/{101}: 0-30 -> 19', 'ethtool -L ens1f0v0 combined: 4 -> 2',
    ]);
    assert.deepEqual(drift.result.problems.map((p) => [p.key, p.reason]), [['ns/dp-a', 'IrqAffinityNotApplied'], ['ns/dp-a', 'ChannelsNotSet']]);
    assert.match(drift.result.problems[0]!.message, /^VF 0000:3b:01\.0 interrupt 103: cannot write 19 to .*irq\/103\/smp_affinity_list: EACCES: permission denied/);
    assert.equal(drift.result.problems[1]!.message, 'VF 0000:3b:01.0: ethtool -L ens1f0v0 combined 2: netlink error: Operation not supported');
    assert.deepEqual(drift.result.appliedLocality[0], { pod: 'ns/dp-a', mems: '0', vf: '0000:3b:01.0', irqs: { 100: '3', 101: '19', 102: '3', 104: '3' } });
    assert.equal(drift.result.appliedCpusets['ns/dp-a'], '3,19', 'the CPUs stay applied');
    fs.rmSync(m.tmp, { recursive: true });
  });

  it('in a dry run says what it would write and writes nothing', async () => {
    const m = await machine('two-socket-sriov', true);
    const pods = [dataplane('dp-a', A_UID, '0000:3b:01.0', '0', '2,18'), web];
    const first = await m.pass(pods);
    assert.ok(first.writes.includes('proc/irq/{100,102,104}: 0-30 -> 2') && first.writes.includes('ethtool -L ens1f0v0 combined: 4 -> 2'), first.writes.join('\n'));
    assert.equal(m.irq(100), '0-30\n');
    assert.equal(fs.readFileSync(path.join(m.cs, `kubepods/pod${A_UID}/cpuset.mems`), 'utf8'), '0-1\n');
    assert.equal(m.channels.state.get('ens1f0v0')!.combined, 4);
    assert.deepEqual((await m.pass(pods)).writes, first.writes, 'and says it again: nothing changed');
    fs.rmSync(m.tmp, { recursive: true });
  });
});

describe('the NIC side on the one-socket fixture', () => {
  it('a dataplane pod without a VF gets its cell\'s memory, and the NIC\'s vectors leave its CPUs as it grows', async () => {
    const m = await machine('one-socket-no-ht');
    const A = `cgroup/cpuset/kubepods/pod${A_UID}`;
    const WEB = `cgroup/cpuset/kubepods/besteffort/pod${WEB_UID}`;
    const pod = (cpus: string): V1Pod => {
      const p = dataplane('dp-a', A_UID, '', '0', cpus);
      delete p.metadata!.annotations!['ix.dev/vf'];
      return p;
    };
    const grant = await m.pass([pod('2'), web]);
    assert.deepEqual(grant.writes, [
      `${A}/sandbox/cpuset.cpus: 0-3 -> 2`, `${A}/cpuset.cpus: 0-3 -> 2`,
      `${WEB}/cpuset.cpus: 0-3 -> 0-1,3`,
      'proc/irq/{1,9,24}: 0-3 -> 0-1,3', 'proc/irq/{27}: 2 -> 0-1,3',
    ]);
    assert.deepEqual(grant.result.appliedLocality, [{ pod: 'ns/dp-a', mems: '0' }], 'its one cell: cpuset.mems already right, nothing to write');
    const grow = await m.pass([pod('2-3'), web]);
    assert.deepEqual(grow.writes, [
      `${A}/cpuset.cpus: 2 -> 2-3`, `${A}/sandbox/cpuset.cpus: 2 -> 2-3`,
      `${WEB}/cpuset.cpus: 0-1,3 -> 0-1`,
      'proc/irq/{1,9,24,27}: 0-1,3 -> 0-1', 'proc/irq/{28}: 3 -> 0-1',
    ]);
    const shrink = await m.pass([pod('3'), web]);
    assert.deepEqual(shrink.writes, [
      `${A}/sandbox/cpuset.cpus: 2-3 -> 3`, `${A}/cpuset.cpus: 2-3 -> 3`,
      `${WEB}/cpuset.cpus: 0-1 -> 0-2`,
    ], 'interrupts already off every dedicated CPU stay where they are');
    fs.rmSync(m.tmp, { recursive: true });
  });
});
