// Assembles what sysfs says into the DataplaneNode spec the placer works from. Pure, so each
// machine shape is tested on plain data and the fixtures test only the reading.
import type { CpuInfo, DataplaneNodeSpec, VfInfo } from '../api/dataplane-node.ts';
import { formatCpuset, parseCpuset } from '../lib/cpuset.ts';
import type { RawCpu } from './sysfs/cpus.ts';
import type { RawCell } from './sysfs/numa.ts';
import type { RawVf } from './sysfs/sriov.ts';

export interface RawInventory {
  cpus: RawCpu[];
  cells: RawCell[];
  vfs: RawVf[];
}

export interface InventoryOptions {
  /** CPUs kept for the system (cpuset list); never dedicated. */
  reservedCpus?: string;
  vfResourceName?: string;
}

/**
 * Physical core numbers such that two CPUs share one exactly when they are hyperthread siblings.
 * core_id is only unique within a package and on some multi-die parts repeats across dies, so it
 * is kept when it already satisfies that (the common case, and what a person reading `lscpu`
 * expects) and otherwise replaced by the lowest CPU id of each sibling group.
 */
function coreNumbers(cpus: readonly RawCpu[]): Map<number, number> {
  const groupOf = (c: RawCpu) => Math.min(c.id, ...c.siblings);
  // Both directions: one (package, core_id) per sibling group and one sibling group per (package, core_id).
  const groupsByKey = new Map<string, Set<number>>();
  const keysByGroup = new Map<number, Set<string>>();
  for (const c of cpus) {
    const key = `${c.packageId}:${c.coreId}`;
    groupsByKey.set(key, (groupsByKey.get(key) ?? new Set<number>()).add(groupOf(c)));
    keysByGroup.set(groupOf(c), (keysByGroup.get(groupOf(c)) ?? new Set<string>()).add(key));
  }
  const consistent = [...groupsByKey.values(), ...keysByGroup.values()].every((s) => s.size === 1);
  return new Map(cpus.map((c) => [c.id, consistent ? c.coreId : groupOf(c)]));
}

export function assembleSpec(raw: RawInventory, opts: InventoryOptions = {}): DataplaneNodeSpec {
  const online = new Set(raw.cpus.map((c) => c.id));
  // A kernel without NUMA support lists no node directory: the whole machine is cell 0.
  const cells: RawCell[] = raw.cells.length > 0 ? raw.cells : [{ id: 0, cpus: [...online] }];
  const cellOf = new Map<number, number>();
  for (const cell of cells) for (const id of cell.cpus) if (online.has(id)) cellOf.set(id, cell.id);
  const cores = coreNumbers(raw.cpus);
  const cpus: CpuInfo[] = [...raw.cpus].sort((a, b) => a.id - b.id).map((c) => {
    const numa = cellOf.get(c.id);
    if (numa === undefined) throw new Error(`CPU ${c.id} is online but in no NUMA cell's cpulist`);
    return { id: c.id, core: cores.get(c.id)!, socket: c.packageId, numa };
  });
  const cellIds = new Set(cells.map((c) => c.id));
  const vfs: VfInfo[] = raw.vfs.map((v) => {
    if (!cellIds.has(v.numa)) throw new Error(`VF ${v.pciAddress} of ${v.pf} is on NUMA cell ${v.numa}, which the kernel does not list`);
    return { ...v };
  }).sort((a, b) => a.pciAddress.localeCompare(b.pciAddress));

  const spec: DataplaneNodeSpec = {
    cpus,
    numaCells: cells.map((cell) => {
      const out: NonNullable<DataplaneNodeSpec['numaCells']>[number] = { id: cell.id, cpus: formatCpuset(cell.cpus.filter((id) => online.has(id))) };
      if (cell.memoryBytes !== undefined) out.memoryBytes = cell.memoryBytes;
      if (cell.hugepages1Gi !== undefined) out.hugepages1Gi = cell.hugepages1Gi;
      if (cell.hugepages2Mi !== undefined) out.hugepages2Mi = cell.hugepages2Mi;
      return out;
    }).sort((a, b) => a.id - b.id),
  };
  // Left out rather than empty, so "no VFs" has one spelling in the spec the publisher compares.
  if (vfs.length > 0) spec.vfs = vfs;
  if (opts.reservedCpus !== undefined && opts.reservedCpus !== '') {
    const reserved = parseCpuset(opts.reservedCpus);
    const offline = reserved.filter((id) => !online.has(id));
    if (offline.length > 0) throw new Error(`reserved CPUs ${formatCpuset(offline)} are not online CPUs of this machine (online: ${formatCpuset([...online])})`);
    spec.reservedCpus = formatCpuset(reserved);
  }
  if (opts.vfResourceName) spec.vfResourceName = opts.vfResourceName;
  return spec;
}
