// The two CPU sets the node agent needs besides the pods' own: what the placer may still give, and
// the shared pool ordinary pods and the system run on.
import { NodeOccupancy } from './occupancy.ts';
import { topologyOf } from './topology.ts';
import type { Allocation, PlacementNode } from './types.ts';

/** Online CPUs that are neither reserved nor held by a dataplane, ascending. */
export function freeCpus(node: PlacementNode, allocations: readonly Allocation[]): number[] {
  const occ = new NodeOccupancy(topologyOf(node), allocations);
  return [...occ.topology.online].filter((id) => occ.isFree(id)).sort((a, b) => a - b);
}

/**
 * Online CPUs no dataplane holds, ascending. Reserved CPUs are in it: the system's own daemons run
 * on them, alongside ordinary pods.
 */
export function sharedPool(node: PlacementNode, allocations: readonly Allocation[]): number[] {
  const occ = new NodeOccupancy(topologyOf(node), allocations);
  return [...occ.topology.online].filter((id) => !occ.cpuHolder.has(id)).sort((a, b) => a - b);
}
