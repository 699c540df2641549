// Which CPU ids of a NUMA cell a pod gets. Whole physical cores first, lowest ids first, so a pod's
// threads do not compete with another pod's on the same core and the cells stay compact (free
// space stays in a few large holes instead of many small ones).
import type { NodeOccupancy } from './occupancy.ts';
import type { PhysicalCore } from './topology.ts';

function coresOf(occ: NodeOccupancy, numa: number): PhysicalCore[] {
  return occ.topology.coresByCell.get(numa) ?? [];
}

function isWholeFree(occ: NodeOccupancy, core: PhysicalCore): boolean {
  return core.cpus.every((id) => occ.isFree(id));
}

/**
 * How many CPUs a cell can still give. With wholeCores only cores whose every sibling is free count:
 * a core with a reserved or held sibling would put the pod next to someone else's work.
 */
export function cellCapacity(occ: NodeOccupancy, numa: number, wholeCores: boolean): number {
  let n = 0;
  for (const core of coresOf(occ, numa)) {
    if (wholeCores) {
      if (isWholeFree(occ, core)) n += core.cpus.length;
    } else {
      for (const id of core.cpus) if (occ.isFree(id)) n++;
    }
  }
  return n;
}

/**
 * Picks at least `count` free CPUs of one cell, or null when the cell cannot give them.
 * With wholeCores the count is rounded up to whole cores (a 3-CPU request on a 2-way SMT machine
 * gets two cores, 4 CPUs), because the spare sibling could be given to nobody else anyway.
 * Without it exactly `count` CPUs are given, siblings still kept together where possible.
 * `owner` is the pod that grows: free siblings of its cores come first, which completes its cores.
 */
export function chooseCpus(
  occ: NodeOccupancy, numa: number, count: number, wholeCores: boolean, owner?: string,
): number[] | null {
  const taken = new Set<number>();
  let left = count;
  const take = (id: number): void => {
    taken.add(id);
    left--;
  };
  const cores = coresOf(occ, numa);

  if (owner !== undefined) {
    for (const core of cores) {
      if (left <= 0) break;
      if (!core.cpus.some((id) => occ.cpuHolder.get(id) === owner)) continue;
      for (const id of core.cpus) if (left > 0 && occ.isFree(id)) take(id);
    }
  }

  for (const core of cores) {
    if (left <= 0) break;
    if (!isWholeFree(occ, core) || core.cpus.some((id) => taken.has(id))) continue;
    // Without wholeCores a core larger than what is left is skipped here, so it is split last.
    if (!wholeCores && core.cpus.length > left) continue;
    for (const id of core.cpus) take(id);
  }

  if (!wholeCores && left > 0) {
    // Free CPUs of cores already broken (a reserved or held sibling) before breaking an intact core.
    for (const core of cores) {
      if (left <= 0) break;
      if (isWholeFree(occ, core)) continue;
      for (const id of core.cpus) if (left > 0 && occ.isFree(id) && !taken.has(id)) take(id);
    }
    for (const core of cores) {
      if (left <= 0) break;
      for (const id of core.cpus) if (left > 0 && occ.isFree(id) && !taken.has(id)) take(id);
    }
  }

  if (left > 0) return null;
  return [...taken].sort((a, b) => a - b);
}
