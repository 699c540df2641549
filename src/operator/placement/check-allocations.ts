// Invariants of a set of allocations against the inventory. The operator rebuilds its view from pod
// annotations after a restart or a lost write; this tells it which pods hold something they must
// not, before it places anything on top of a broken state.
import { topologyOf } from './topology.ts';
import type { NodeTopology } from './topology.ts';
import type { Allocation, PlacementNode } from './types.ts';

export type ViolationKind =
  | 'unknownNode'
  | 'podListedTwice'
  | 'noCpus'
  | 'cpuListedTwice'
  | 'cpuNotOnNode'
  | 'reservedCpu'
  | 'cpuHeldTwice'
  | 'cellNotOnNode'
  | 'cpuOnOtherCell'
  | 'cellNotMajority'
  | 'partialCore'
  | 'vfNotOnNode'
  | 'vfHeldTwice'
  | 'vfOnOtherCell'
  | 'cpuBudgetExceeded'
  | 'hugepagesExceeded';

export interface Violation {
  kind: ViolationKind;
  node: string;
  /** The pods involved, sorted. */
  podKeys: string[];
  message: string;
  cpu?: number;
  vf?: string;
}

function checkOne(topology: NodeTopology, a: Allocation, out: Violation[]): void {
  const node = topology.node.name;
  const report = (kind: ViolationKind, message: string, extra: Partial<Violation> = {}): void => {
    out.push({ kind, node, podKeys: [a.podKey], message: `pod ${a.podKey} on node ${node}: ${message}`, ...extra });
  };
  if (a.cpus.length === 0) report('noCpus', 'holds no CPUs');
  const seen = new Set<number>();
  for (const cpu of a.cpus) {
    if (seen.has(cpu)) report('cpuListedTwice', `lists CPU ${cpu} twice`, { cpu });
    seen.add(cpu);
  }
  for (const cpu of seen) {
    if (!topology.online.has(cpu)) report('cpuNotOnNode', `CPU ${cpu} is not an online CPU of the node`, { cpu });
    else if (topology.reserved.has(cpu)) report('reservedCpu', `CPU ${cpu} is reserved for the system`, { cpu });
  }
  if (!topology.cells.includes(a.numa)) report('cellNotOnNode', `NUMA cell ${a.numa} has no CPUs on the node`);

  const policy = a.numaPolicy ?? 'single-numa';
  const perCell = new Map<number, number>();
  for (const cpu of seen) {
    const numa = topology.numaOfCpu.get(cpu);
    if (numa === undefined) continue;
    perCell.set(numa, (perCell.get(numa) ?? 0) + 1);
    if (policy === 'single-numa' && numa !== a.numa) {
      report('cpuOnOtherCell', `CPU ${cpu} is on NUMA cell ${numa}, not ${a.numa} (single-numa)`, { cpu });
    }
  }
  if (policy === 'prefer-single-numa') {
    const most = Math.max(0, ...perCell.values());
    if ((perCell.get(a.numa) ?? 0) < most) {
      report('cellNotMajority', `NUMA cell ${a.numa} holds fewer of its CPUs than another cell`);
    }
  }
  if (a.wholeCores ?? true) {
    const reported = new Set<string>();
    for (const cpu of seen) {
      const core = topology.coreOfCpu.get(cpu);
      if (!core || reported.has(core.key)) continue;
      const missing = core.cpus.filter((c) => !seen.has(c));
      if (missing.length > 0) {
        reported.add(core.key);
        report('partialCore', `holds CPU ${cpu} but not its siblings ${missing.join(',')} (wholeCores)`, { cpu });
      }
    }
  }
  if (a.vf !== undefined) {
    const vf = topology.vfByAddress.get(a.vf);
    if (!vf) report('vfNotOnNode', `VF ${a.vf} is not a VF of the node`, { vf: a.vf });
    else if (vf.numa !== a.numa) {
      report('vfOnOtherCell', `VF ${a.vf} is on NUMA cell ${vf.numa}, its CPUs' cell is ${a.numa}`, { vf: a.vf });
    }
  }
}

function checkNode(topology: NodeTopology, allocations: readonly Allocation[], out: Violation[]): void {
  const node = topology.node.name;
  const cpuHolders = new Map<number, Set<string>>();
  const vfHolders = new Map<string, Set<string>>();
  let dedicated = 0;
  const hugepages = new Map<number, number>();
  for (const a of allocations) {
    checkOne(topology, a, out);
    for (const cpu of new Set(a.cpus)) {
      let set = cpuHolders.get(cpu);
      if (!set) cpuHolders.set(cpu, (set = new Set()));
      set.add(a.podKey);
    }
    if (a.vf !== undefined) {
      let set = vfHolders.get(a.vf);
      if (!set) vfHolders.set(a.vf, (set = new Set()));
      set.add(a.podKey);
    }
    dedicated += new Set(a.cpus).size;
    if (a.hugepagesBytes) hugepages.set(a.numa, (hugepages.get(a.numa) ?? 0) + a.hugepagesBytes);
  }
  for (const [cpu, pods] of [...cpuHolders].sort(([a], [b]) => a - b)) {
    if (pods.size > 1) {
      const podKeys = [...pods].sort();
      out.push({ kind: 'cpuHeldTwice', node, podKeys, cpu, message: `CPU ${cpu} of node ${node} is held by ${podKeys.join(' and ')}` });
    }
  }
  for (const [vf, pods] of [...vfHolders].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (pods.size > 1) {
      const podKeys = [...pods].sort();
      out.push({ kind: 'vfHeldTwice', node, podKeys, vf, message: `VF ${vf} of node ${node} is held by ${podKeys.join(' and ')}` });
    }
  }
  const allPods = [...new Set(allocations.map((a) => a.podKey))].sort();
  const budget = topology.node.allocatableCpuMillis - topology.node.nonDataplaneCpuRequestMillis;
  if (dedicated * 1000 > budget) {
    out.push({
      kind: 'cpuBudgetExceeded', node, podKeys: allPods,
      message: `node ${node}: ${dedicated} dedicated CPUs exceed the ${budget}m left by allocatable minus ordinary pods' requests`,
    });
  }
  for (const [numa, used] of [...hugepages].sort(([a], [b]) => a - b)) {
    const capacity = topology.hugepagesByCell?.get(numa);
    if (topology.hugepagesByCell && used > (capacity ?? 0)) {
      const podKeys = [...new Set(allocations.filter((a) => a.numa === numa && a.hugepagesBytes).map((a) => a.podKey))].sort();
      out.push({
        kind: 'hugepagesExceeded', node, podKeys,
        message: `node ${node}: NUMA cell ${numa} gives ${used} hugepage bytes, has ${capacity ?? 0}`,
      });
    }
  }
}

/** Every broken invariant, grouped by node in name order; an empty list means the state is sound. */
export function checkAllocations(nodes: readonly PlacementNode[], allocations: readonly Allocation[]): Violation[] {
  const out: Violation[] = [];
  const podCount = new Map<string, number>();
  for (const a of allocations) podCount.set(a.podKey, (podCount.get(a.podKey) ?? 0) + 1);
  for (const [podKey, count] of [...podCount].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (count > 1) {
      const where = allocations.filter((a) => a.podKey === podKey).map((a) => a.node);
      out.push({ kind: 'podListedTwice', node: where[0] as string, podKeys: [podKey], message: `pod ${podKey} has ${count} allocations (nodes ${where.join(', ')})` });
    }
  }
  const topologies = new Map<string, NodeTopology>();
  for (const node of nodes) if (!topologies.has(node.name)) topologies.set(node.name, topologyOf(node));
  const byNode = new Map<string, Allocation[]>();
  for (const a of allocations) {
    if (!topologies.has(a.node)) {
      out.push({ kind: 'unknownNode', node: a.node, podKeys: [a.podKey], message: `pod ${a.podKey} holds CPUs on unknown node ${a.node}` });
      continue;
    }
    let list = byNode.get(a.node);
    if (!list) byNode.set(a.node, (list = []));
    list.push(a);
  }
  for (const name of [...byNode.keys()].sort()) {
    checkNode(topologies.get(name) as NodeTopology, byNode.get(name) as Allocation[], out);
  }
  return out;
}
