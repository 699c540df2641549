// Which SR-IOV VF of a NUMA cell a pod gets: a free one on the cell of its CPUs, because a VF on
// the other socket sends every packet across the interconnect. Lowest PCI address first, so the
// same inventory always yields the same VF.
import type { NodeOccupancy } from './occupancy.ts';
import type { PlacementVf } from './types.ts';

export function chooseVf(occ: NodeOccupancy, numa: number, allowedPfs?: readonly string[]): PlacementVf | undefined {
  let best: PlacementVf | undefined;
  for (const vf of occ.topology.vfByAddress.values()) {
    if (vf.numa !== numa || occ.vfHolder.has(vf.pciAddress)) continue;
    if (allowedPfs && allowedPfs.length > 0 && !allowedPfs.includes(vf.pf)) continue;
    if (!best || vf.pciAddress < best.pciAddress) best = vf;
  }
  return best;
}
