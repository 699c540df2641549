// The inventory read from the fixture sysfs trees (test/fixtures/sysfs, written by build.ts there):
// the exact DataplaneNode spec each machine must publish.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { discoverInventory } from '../../../src/agent/discover.ts';
import { repoRoot } from '../../../src/lib/paths.ts';
import type { CpuInfo } from '../../../src/api/dataplane-node.ts';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'sysfs', name);

describe('inventory from fixture sysfs trees', () => {
  it('(a) a 2-socket server with hyperthreads and two PFs on different NUMA cells', async () => {
    const spec = await discoverInventory(fixture('two-socket-sriov'), { reservedCpus: '0,8,16,24', vfResourceName: 'intel.com/sriov_netdevice' });
    const coreIds = [0, 1, 2, 3, 4, 5, 8, 9];
    // CPU 31 is offline: absent, and cell 1 lists only its online CPUs.
    const cpus: CpuInfo[] = Array.from({ length: 31 }, (_, id) => {
      const first = id % 16;
      const socket = Math.floor(first / 8);
      return { id, core: coreIds[first % 8]!, socket, numa: socket };
    });
    assert.deepEqual(spec, {
      cpus,
      reservedCpus: '0,8,16,24',
      vfResourceName: 'intel.com/sriov_netdevice',
      numaCells: [
        { id: 0, cpus: '0-7,16-23', memoryBytes: 65_536_000 * 1024, hugepages1Gi: 8, hugepages2Mi: 512 },
        { id: 1, cpus: '8-15,24-30', memoryBytes: 65_536_000 * 1024, hugepages1Gi: 4, hugepages2Mi: 0 },
      ],
      vfs: [
        { pciAddress: '0000:3b:01.0', pf: 'ens1f0', pfPciAddress: '0000:3b:00.0', index: 0, numa: 0, netdev: 'ens1f0v0', driver: 'iavf' },
        { pciAddress: '0000:3b:01.1', pf: 'ens1f0', pfPciAddress: '0000:3b:00.0', index: 1, numa: 0, netdev: 'ens1f0v1', driver: 'iavf' },
        { pciAddress: '0000:3b:01.2', pf: 'ens1f0', pfPciAddress: '0000:3b:00.0', index: 2, numa: 0, netdev: 'ens1f0v2', driver: 'iavf' },
        // Bound to vfio-pci: no netdev, still a VF that can be pinned.
        { pciAddress: '0000:3b:01.3', pf: 'ens1f0', pfPciAddress: '0000:3b:00.0', index: 3, numa: 0, driver: 'vfio-pci' },
        { pciAddress: '0000:af:00.2', pf: 'ens2f0', pfPciAddress: '0000:af:00.0', index: 0, numa: 1, netdev: 'ens2f0v0', driver: 'mlx5_core', vlan: 100, trust: true },
        { pciAddress: '0000:af:00.3', pf: 'ens2f0', pfPciAddress: '0000:af:00.0', index: 1, numa: 1, netdev: 'ens2f0v1', driver: 'mlx5_core', vlan: 0, trust: false },
      ],
    });
  });

  it('(b) a single-socket machine without hyperthreads, SR-IOV capable with no VF enabled', async () => {
    assert.deepEqual(await discoverInventory(fixture('one-socket-no-ht')), {
      cpus: [0, 1, 2, 3].map((id) => ({ id, core: id, socket: 0, numa: 0 })),
      numaCells: [{ id: 0, cpus: '0-3', memoryBytes: 16_384_000 * 1024, hugepages2Mi: 1024 }],
    });
  });

  it('(c) a machine without SR-IOV and a kernel without NUMA: one cell 0 holding every CPU', async () => {
    assert.deepEqual(await discoverInventory(fixture('no-sriov'), { reservedCpus: '0,2' }), {
      cpus: [{ id: 0, core: 0, socket: 0, numa: 0 }, { id: 1, core: 1, socket: 0, numa: 0 }, { id: 2, core: 0, socket: 0, numa: 0 }, { id: 3, core: 1, socket: 0, numa: 0 }],
      reservedCpus: '0,2',
      numaCells: [{ id: 0, cpus: '0-3' }],
    });
  });

  it('refuses reserved CPUs that are not online, and a root that is not a sysfs', async () => {
    await assert.rejects(discoverInventory(fixture('one-socket-no-ht'), { reservedCpus: '0,7' }), /reserved CPUs 7 are not online/);
    await assert.rejects(discoverInventory(fixture('does-not-exist')), /devices\/system\/cpu\/online is missing/);
  });
});
