// Discovery against the real /sys of the machine running the tests: what must hold on any Linux host.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { discoverInventory } from '../../../src/agent/discover.ts';
import { parseCpuset } from '../../../src/operator/placement/index.ts';

describe('inventory from this machine\'s /sys', () => {
  it('lists every online CPU, each in a NUMA cell, and invents no VF', async () => {
    assert.ok(fs.existsSync('/sys/devices/system/cpu/online'), 'this test needs a Linux host with sysfs mounted at /sys (/sys/devices/system/cpu/online is missing)');
    const spec = await discoverInventory('/sys');
    const online = parseCpuset(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim());
    assert.equal(spec.cpus.length, os.cpus().length, 'online CPUs = os.cpus()');
    assert.deepEqual(spec.cpus.map((c) => c.id), online);
    const cells = new Map((spec.numaCells ?? []).map((c) => [c.id, parseCpuset(c.cpus)]));
    for (const cpu of spec.cpus) assert.ok(cells.get(cpu.numa)?.includes(cpu.id), `CPU ${cpu.id} is in the cpulist of its cell ${cpu.numa}`);
    // Siblings share socket and core, and nothing else does.
    for (const cpu of spec.cpus) {
      const siblings = parseCpuset(fs.readFileSync(`/sys/devices/system/cpu/cpu${cpu.id}/topology/thread_siblings_list`, 'utf8').trim()).filter((s) => online.includes(s));
      const sameCore = spec.cpus.filter((c) => c.socket === cpu.socket && c.core === cpu.core).map((c) => c.id);
      assert.deepEqual(sameCore, siblings, `CPU ${cpu.id}: same (socket, core) exactly for its hyperthread siblings`);
    }
    // VFs only where a PF says it has them.
    const vfCount = fs.readdirSync('/sys/class/net').reduce((n, dev) => {
      try {
        return n + Number(fs.readFileSync(`/sys/class/net/${dev}/device/sriov_numvfs`, 'utf8').trim());
      } catch {
        return n;
      }
    }, 0);
    assert.equal(spec.vfs?.length ?? 0, vfCount, 'as many VFs as the PFs\' sriov_numvfs add up to');
  });
});
