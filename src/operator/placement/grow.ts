// Growing a placed pod in place: the rebalancer gives a busy dataplane more CPUs on the NUMA cell it
// already uses, so its memory, VF and flow state stay where they are.
import { cellCapacity, chooseCpus } from './cpu-choice.ts';
import { NodeOccupancy } from './occupancy.ts';
import { topologyOf } from './topology.ts';
import type { Allocation, PlacementNode } from './types.ts';

export type GrowResult =
  | { ok: true; added: number[]; allocation: Allocation }
  | { ok: false; reason: string };

/**
 * n more CPUs for `podKey` on its cell: free siblings of cores it holds first, then whole free
 * cores (with wholeCores the count is rounded up to whole cores), then, only without wholeCores,
 * CPUs of broken-up cores. `allocations` may cover other nodes; only this node's are used.
 * Throws RangeError when n is not a positive integer.
 */
export function grow(node: PlacementNode, allocations: readonly Allocation[], podKey: string, n: number): GrowResult {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`grow: n must be a positive integer, got ${n}`);
  const occ = new NodeOccupancy(topologyOf(node), allocations);
  const allocation = occ.byPod.get(podKey);
  if (!allocation) return { ok: false, reason: `pod ${podKey} holds no CPUs on node ${node.name}` };
  const wholeCores = allocation.wholeCores ?? true;
  const added = chooseCpus(occ, allocation.numa, n, wholeCores, podKey);
  if (!added) {
    const ownSiblings = allocation.cpus
      .flatMap((id) => occ.topology.coreOfCpu.get(id)?.cpus ?? [])
      .filter((id, i, all) => all.indexOf(id) === i && occ.isFree(id)).length;
    const free = ownSiblings + cellCapacity(occ, allocation.numa, wholeCores);
    return {
      ok: false,
      reason: `NUMA cell ${allocation.numa} of node ${node.name} has ${free} free CPUs`
        + `${wholeCores ? ' in whole cores' : ''} for pod ${podKey}, needs ${n}`,
    };
  }
  const budgetFree = occ.budgetFreeMillis();
  if (added.length * 1000 > budgetFree) {
    return {
      ok: false,
      reason: `node ${node.name} has ${Math.max(0, budgetFree)}m allocatable CPU left, pod ${podKey} needs ${added.length * 1000}m more`,
    };
  }
  const cpus = [...allocation.cpus, ...added].sort((a, b) => a - b);
  return { ok: true, added, allocation: { ...allocation, cpus } };
}
