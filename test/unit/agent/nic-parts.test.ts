import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { parseBusInfo, parseChannels, type ChannelControl } from '../../../src/agent/nic/ethtool.ts';
import { offDedicated, spreadVectors } from '../../../src/agent/nic/irq-plan.ts';
import { findVfNetdev, parseNetDev } from '../../../src/agent/nic/netdev.ts';
import { planCpusets } from '../../../src/agent/plan.ts';
import { Sysfs } from '../../../src/agent/sysfs/read.ts';

describe('interrupt placement', () => {
  it('spreads vectors one per active CPU, round robin, when there are enough', () => {
    assert.deepEqual([...spreadVectors([100, 101, 102, 103, 104], [19, 3])], [[100, [3]], [101, [19]], [102, [3]], [103, [19]], [104, [3]]]);
    assert.deepEqual([...spreadVectors([7, 8], [4, 5])], [[7, [4]], [8, [5]]]);
  });

  it('cuts the active CPUs into one group per vector when there are fewer vectors', () => {
    assert.deepEqual([...spreadVectors([7, 8], [1, 2, 3, 4, 5])], [[7, [1, 2]], [8, [3, 4, 5]]]);
    assert.deepEqual([...spreadVectors([7], [1, 2, 3])], [[7, [1, 2, 3]]]);
    assert.deepEqual([...spreadVectors([7], [])], []);
  });

  it('keeps other interrupts off dedicated CPUs, leaving them alone where they already are', () => {
    const dedicated = new Set([2, 3]);
    assert.equal(offDedicated([0, 1], dedicated, [0, 1, 4]), undefined);
    assert.deepEqual(offDedicated([1, 2, 3, 4], dedicated, [0, 1, 4]), [1, 4]);
    assert.deepEqual(offDedicated([2], dedicated, [0, 1, 4]), [0, 1, 4], 'nothing left of its own: the shared pool');
  });
});

describe('ethtool and procfs formats', () => {
  it('reads the combined channels of ethtool -l, n/a as none', () => {
    const text = 'Channel parameters for ens1f0v0:\nPre-set maximums:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\t1\nCombined:\t4\nCurrent hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\t1\nCombined:\t2\n';
    assert.deepEqual(parseChannels(text), { maxCombined: 4, combined: 2 });
    const veth = 'Channel parameters for va:\nPre-set maximums:\nRX:\t\t2\nTX:\t\t2\nOther:\t\tn/a\nCombined:\tn/a\nCurrent hardware settings:\nRX:\t\t1\nTX:\t\t1\nOther:\t\tn/a\nCombined:\tn/a\n';
    assert.deepEqual(parseChannels(veth), {});
  });

  it('reads bus-info of ethtool -i and interface names of /proc/<pid>/net/dev', () => {
    assert.equal(parseBusInfo('driver: iavf\nversion: 6.1\nbus-info: 0000:3b:01.0\nsupports-statistics: yes\n'), '0000:3b:01.0');
    assert.equal(parseBusInfo('driver: veth\nbus-info: \n'), undefined);
    const dev = 'Inter-|   Receive |  Transmit\n face |bytes    packets|bytes\n    lo:       0       0\n  eth0: 1234 5\n  net1: 99 1\n';
    assert.deepEqual(parseNetDev(dev), ['lo', 'eth0', 'net1']);
  });
});

describe('the memory side of the plan', () => {
  const pod = (name: string, annotations: Record<string, string>): V1Pod => ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { 'ix.dev/dataplane': 'dp' }, annotations },
    status: { phase: 'Running', qosClass: 'Guaranteed' },
  });
  const cellOf = new Map([[0, 0], [1, 0], [2, 1], [3, 1]]);

  it('gives a dataplane pod its ix.dev/numa cell, else its CPUs\' cells, and its active CPUs and VF', () => {
    const plan = planCpusets([
      pod('a', { 'ix.dev/cpus': '2-3', 'ix.dev/numa': '1', 'ix.dev/active-cpus': '3', 'ix.dev/vf': '0000:3b:01.0' }),
      pod('b', { 'ix.dev/cpus': '0', 'ix.dev/active-cpus': '0-1' }),
      pod('c', { 'ix.dev/cpus': '1', 'ix.dev/numa': '7' }),
    ], [0, 1, 2, 3], cellOf);
    assert.deepEqual(plan.targets.map((t) => [t.key, t.mems, t.active, t.vf]), [
      ['ns/a', [1], [3], '0000:3b:01.0'], ['ns/b', [0], [0], undefined], ['ns/c', undefined, [1], undefined],
    ]);
    assert.deepEqual(plan.cells, [0, 1]);
    assert.deepEqual(plan.problems.map((p) => [p.key, p.reason, p.message]), [
      ['ns/c', 'MemsNotApplied', 'ix.dev/numa="7" is not a NUMA cell of this node (cells 0-1): its memory nodes are left as they are'],
    ]);
  });

  it('leaves memory alone when the cells are not known', () => {
    const plan = planCpusets([pod('a', { 'ix.dev/cpus': '2' })], [0, 1, 2, 3]);
    assert.equal(plan.targets[0]!.mems, undefined);
    assert.deepEqual(plan.cells, []);
  });
});

describe('finding a VF\'s netdev', () => {
  it('uses the host\'s netdev while there is one, else the pod\'s namespace through a process of the pod', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-agent-netdev-'));
    const sys = new Sysfs(path.join(root, 'sys'));
    const proc = path.join(root, 'proc');
    fs.mkdirSync(path.join(root, 'sys/bus/pci/devices/0000:3b:01.0/net/ens1f0v0'), { recursive: true });
    fs.mkdirSync(path.join(root, 'sys/bus/pci/devices/0000:3b:01.1'), { recursive: true });
    const pod = path.join(root, 'cgroup/pod');
    fs.mkdirSync(path.join(pod, 'sandbox'), { recursive: true });
    fs.writeFileSync(path.join(pod, 'cgroup.procs'), '');
    fs.writeFileSync(path.join(pod, 'sandbox', 'cgroup.procs'), '4242\n4243\n');
    fs.mkdirSync(path.join(proc, '4242/net'), { recursive: true });
    fs.writeFileSync(path.join(proc, '4242/net/dev'), 'Inter-| Receive\n face |bytes\n    lo: 0\n  eth0: 1\n  net1: 2\n');
    const asked: string[] = [];
    const channels: ChannelControl = {
      busInfo: (dev) => {
        asked.push(`${dev.ifname} in ${path.relative(root, dev.netns!)}`);
        return Promise.resolve(dev.ifname === 'net1' ? '0000:3b:01.1' : undefined);
      },
      read: () => Promise.reject(new Error('not used')),
      setCombined: () => Promise.reject(new Error('not used')),
    };
    const dirs = [pod, path.join(pod, 'sandbox')];
    assert.deepEqual(await findVfNetdev(sys, proc, '0000:3b:01.0', dirs, channels), { found: { ifname: 'ens1f0v0' } });
    assert.deepEqual(await findVfNetdev(sys, proc, '0000:3b:01.1', dirs, channels), { found: { ifname: 'net1', netns: path.join(proc, '4242/ns/net') } });
    assert.deepEqual(asked, ['eth0 in proc/4242/ns/net', 'net1 in proc/4242/ns/net']);
    assert.deepEqual(await findVfNetdev(sys, proc, '0000:3b:01.1', [], channels), { none: 'VF 0000:3b:01.1 has no netdev on the host and no process of the pod was found to reach the pod\'s network namespace' });
    assert.deepEqual(await findVfNetdev(sys, proc, '0000:3b:01.2', dirs, channels), { none: 'no interface of the pod\'s network namespace (lo, eth0, net1) is VF 0000:3b:01.2' });
    fs.rmSync(root, { recursive: true });
  });
});
