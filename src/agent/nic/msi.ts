// A PCI device's MSI/MSI-X vectors: the entries of <sysfs>/bus/pci/devices/<addr>/msi_irqs, one
// per allocated vector, named by IRQ number. A device whose driver has not enabled them (a VF bound
// to vfio-pci before its user opens it, a netdev that is down) has none.
import type { Sysfs } from '../sysfs/read.ts';

export async function readMsiIrqs(sys: Sysfs, pciAddress: string): Promise<number[]> {
  const entries = await sys.list(`bus/pci/devices/${pciAddress}/msi_irqs`);
  return entries.filter((e) => /^(0|[1-9][0-9]*)$/.test(e)).map(Number).sort((a, b) => a - b);
}
