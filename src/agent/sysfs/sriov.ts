// SR-IOV physical functions and their virtual functions, from /sys/class/net. A PF is a netdev
// whose PCI device has sriov_numvfs > 0; its VFs are the device's virtfnN links. A VF bound to
// vfio-pci (as a DPDK or host-device user wants it) has no netdev, so VFs are found through the PF
// and never by scanning netdevs.
import { parseCount, parseNumaNode, parseVfTrust, parseVfVlan, pciAddressOf, virtfnIndex } from './parse.ts';
import type { Sysfs } from './read.ts';

export interface RawVf {
  pciAddress: string;
  pf: string;
  pfPciAddress?: string;
  index: number;
  numa: number;
  netdev?: string;
  driver?: string;
  vlan?: number;
  trust?: boolean;
}

export async function readVfs(sys: Sysfs): Promise<RawVf[]> {
  const vfs: RawVf[] = [];
  for (const pf of await sys.list('class/net')) {
    const dev = `class/net/${pf}/device`;
    const numvfs = await sys.text(`${dev}/sriov_numvfs`);
    if (numvfs === undefined || parseCount(numvfs, `${pf} sriov_numvfs`) === 0) continue;
    const pfPciAddress = pciAddressOf(await sys.linkName(dev));
    const numaText = await sys.text(`${dev}/numa_node`);
    // No numa_node attribute at all: a kernel without NUMA, so everything is cell 0.
    const numa = numaText === undefined ? 0 : parseNumaNode(numaText);
    for (const entry of await sys.list(dev)) {
      const index = virtfnIndex(entry);
      if (index === undefined) continue;
      const pciAddress = pciAddressOf(await sys.linkName(`${dev}/${entry}`));
      if (!pciAddress) throw new Error(`${sys.root}/${dev}/${entry} does not point at a PCI address`);
      const [netdevs, driver, vlanText, trustText] = await Promise.all([
        sys.list(`${dev}/${entry}/net`), sys.linkName(`${dev}/${entry}/driver`),
        sys.text(`${dev}/sriov/${index}/vlan`), sys.text(`${dev}/sriov/${index}/trust`),
      ]);
      const vf: RawVf = { pciAddress, pf, index, numa };
      if (pfPciAddress) vf.pfPciAddress = pfPciAddress;
      if (netdevs[0]) vf.netdev = netdevs[0];
      if (driver) vf.driver = driver;
      const vlan = vlanText === undefined ? undefined : parseVfVlan(vlanText);
      if (vlan !== undefined) vf.vlan = vlan;
      const trust = trustText === undefined ? undefined : parseVfTrust(trustText);
      if (trust !== undefined) vf.trust = trust;
      vfs.push(vf);
    }
  }
  return vfs.sort((a, b) => a.pciAddress.localeCompare(b.pciAddress));
}
