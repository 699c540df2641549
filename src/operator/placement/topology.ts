// The shape of one node's hardware, indexed for the questions the placer asks over and over:
// which physical core a CPU belongs to, which cores a NUMA cell has, where a VF sits.
import type { PlacementNode, PlacementVf } from './types.ts';

/** A physical core: its hyperthread siblings, sorted ascending. */
export interface PhysicalCore {
  /** "socket:core", unique on the node. */
  key: string;
  numa: number;
  cpus: number[];
}

export interface NodeTopology {
  node: PlacementNode;
  /** Online CPU ids. */
  online: ReadonlySet<number>;
  /** Reserved CPUs that are online; reserved ids the node does not have are ignored. */
  reserved: ReadonlySet<number>;
  numaOfCpu: ReadonlyMap<number, number>;
  coreOfCpu: ReadonlyMap<number, PhysicalCore>;
  /** NUMA cells that have CPUs, ascending. */
  cells: number[];
  /** Cores of each cell, ordered by their lowest CPU id so that taking them in order stays compact. */
  coresByCell: ReadonlyMap<number, PhysicalCore[]>;
  vfByAddress: ReadonlyMap<string, PlacementVf>;
  /** Hugepage bytes per cell for dataplanes; absent when the inventory does not track them. */
  hugepagesByCell?: ReadonlyMap<number, number>;
}

/**
 * The hardware part of a topology, kept while a node's inventory arrays are the same objects: the
 * operator rebuilds its PlacementNodes on every cache change, but reuses the arrays of a
 * DataplaneNode that did not change (inventory.ts), so hundreds of nodes are not re-indexed per
 * pod event. Readiness, taints and labels change more often and come from the node given.
 */
const hardware = new WeakMap<PlacementNode['cpus'], { of: PlacementNode; topology: NodeTopology }>();

export function topologyOf(node: PlacementNode): NodeTopology {
  const known = hardware.get(node.cpus);
  if (known && known.of.reservedCpus === node.reservedCpus && known.of.vfs === node.vfs && known.of.hugepages === node.hugepages) {
    return known.of === node ? known.topology : { ...known.topology, node };
  }
  const topology = indexTopology(node);
  hardware.set(node.cpus, { of: node, topology });
  return topology;
}

function indexTopology(node: PlacementNode): NodeTopology {
  const cpus = [...node.cpus].sort((a, b) => a.id - b.id);
  const online = new Set<number>();
  const numaOfCpu = new Map<number, number>();
  const coreOfCpu = new Map<number, PhysicalCore>();
  const cores = new Map<string, PhysicalCore>();
  for (const cpu of cpus) {
    // A duplicated id in the inventory keeps its first entry so that one id maps to one core.
    if (online.has(cpu.id)) continue;
    online.add(cpu.id);
    numaOfCpu.set(cpu.id, cpu.numa);
    const key = `${cpu.socket}:${cpu.core}`;
    let core = cores.get(key);
    if (!core) {
      // A core lives in one cell; its lowest CPU decides if an inventory claims otherwise.
      core = { key, numa: cpu.numa, cpus: [] };
      cores.set(key, core);
    }
    core.cpus.push(cpu.id);
    coreOfCpu.set(cpu.id, core);
  }
  const coresByCell = new Map<number, PhysicalCore[]>();
  for (const core of cores.values()) {
    let list = coresByCell.get(core.numa);
    if (!list) coresByCell.set(core.numa, (list = []));
    list.push(core);
  }
  for (const list of coresByCell.values()) list.sort((a, b) => (a.cpus[0] as number) - (b.cpus[0] as number));
  const cells = [...coresByCell.keys()].sort((a, b) => a - b);
  const reserved = new Set(node.reservedCpus.filter((id) => online.has(id)));
  const vfByAddress = new Map<string, PlacementVf>();
  for (const vf of node.vfs) if (!vfByAddress.has(vf.pciAddress)) vfByAddress.set(vf.pciAddress, vf);
  const topology: NodeTopology = { node, online, reserved, numaOfCpu, coreOfCpu, cells, coresByCell, vfByAddress };
  if (node.hugepages) {
    const byCell = new Map<number, number>();
    for (const h of node.hugepages) byCell.set(h.numa, (byCell.get(h.numa) ?? 0) + h.bytes);
    topology.hugepagesByCell = byCell;
  }
  return topology;
}
