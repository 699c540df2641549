// NUMA cells from /sys/devices/system/node: CPUs, memory and the hugepage pools of each cell.
import { parseCpuset } from '../../lib/cpuset.ts';
import { parseCount, parseNodeMemTotal } from './parse.ts';
import type { Sysfs } from './read.ts';

export interface RawCell {
  id: number;
  cpus: number[];
  memoryBytes?: number;
  hugepages1Gi?: number;
  hugepages2Mi?: number;
}

/** The cells the kernel lists; [] when it was built without NUMA (no node directory at all). */
export async function readNumaCells(sys: Sysfs): Promise<RawCell[]> {
  const cells: RawCell[] = [];
  for (const entry of await sys.list('devices/system/node')) {
    const m = /^node(0|[1-9][0-9]*)$/.exec(entry);
    if (!m) continue;
    const id = Number(m[1]);
    const dir = `devices/system/node/${entry}`;
    const [cpulist, meminfo, huge1g, huge2m] = await Promise.all([
      sys.text(`${dir}/cpulist`), sys.text(`${dir}/meminfo`),
      // nr_hugepages is the cell's pool, not what is free at this instant: the operator accounts for
      // what its pods take, and a value that moved with every allocation would republish constantly.
      sys.text(`${dir}/hugepages/hugepages-1048576kB/nr_hugepages`), sys.text(`${dir}/hugepages/hugepages-2048kB/nr_hugepages`),
    ]);
    const cell: RawCell = { id, cpus: parseCpuset(cpulist ?? '') };
    const memory = meminfo === undefined ? undefined : parseNodeMemTotal(meminfo);
    if (memory !== undefined) cell.memoryBytes = memory;
    if (huge1g !== undefined) cell.hugepages1Gi = parseCount(huge1g, `${entry} 1 GiB nr_hugepages`);
    if (huge2m !== undefined) cell.hugepages2Mi = parseCount(huge2m, `${entry} 2 MiB nr_hugepages`);
    cells.push(cell);
  }
  return cells.sort((a, b) => a.id - b.id);
}
