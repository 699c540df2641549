// Who holds what on one node: the allocations of that node folded into lookups. The placer keeps
// one per node during a call and adds each new placement to it, so later requests of the same call
// see earlier ones. Nothing outside this module ever sees it mutate.
import type { Allocation } from './types.ts';
import type { NodeTopology } from './topology.ts';

export class NodeOccupancy {
  readonly topology: NodeTopology;
  /** CPU id → pod key. When an (invalid) input gives a CPU to two pods, the first keeps it here. */
  readonly cpuHolder = new Map<number, string>();
  readonly vfHolder = new Map<string, string>();
  readonly byPod = new Map<string, Allocation>();
  private readonly replicas = new Map<string, number>();
  private readonly hugepagesUsed = new Map<number, number>();
  /** Sum of dedicated CPUs over allocations, the figure the CPU millis budget is charged with. */
  heldCpuCount = 0;
  /**
   * Results computed from this occupancy, dropped whenever it changes. Replicas of one Dataplane ask
   * the same question of every node, and only the node that took the last replica has changed, so
   * placing many replicas costs about one evaluation per node and replica shape, not per replica.
   */
  private readonly derived = new Map<string, unknown>();

  constructor(topology: NodeTopology, allocations: Iterable<Allocation>) {
    this.topology = topology;
    for (const a of allocations) if (a.node === topology.node.name) this.add(a);
  }

  add(a: Allocation): void {
    this.derived.clear();
    this.byPod.set(a.podKey, a);
    for (const id of a.cpus) if (!this.cpuHolder.has(id)) this.cpuHolder.set(id, a.podKey);
    if (a.vf !== undefined && !this.vfHolder.has(a.vf)) this.vfHolder.set(a.vf, a.podKey);
    this.heldCpuCount += a.cpus.length;
    this.replicas.set(a.dataplaneKey, (this.replicas.get(a.dataplaneKey) ?? 0) + 1);
    if (a.hugepagesBytes) this.hugepagesUsed.set(a.numa, (this.hugepagesUsed.get(a.numa) ?? 0) + a.hugepagesBytes);
  }

  /** The value computed under `key` since the last change, computing it if there is none. */
  remember<T>(key: string, compute: () => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = compute();
    this.derived.set(key, value);
    return value;
  }

  replicasOf(dataplaneKey: string): number {
    return this.replicas.get(dataplaneKey) ?? 0;
  }

  /** Online, not reserved and held by no pod. */
  isFree(cpu: number): boolean {
    return this.topology.online.has(cpu) && !this.topology.reserved.has(cpu) && !this.cpuHolder.has(cpu);
  }

  /** Millis of allocatable CPU not yet taken by ordinary pods' requests or dedicated CPUs. */
  budgetFreeMillis(): number {
    const node = this.topology.node;
    return node.allocatableCpuMillis - node.nonDataplaneCpuRequestMillis - this.heldCpuCount * 1000;
  }

  /** Hugepage bytes a cell can still give; undefined when the node does not track hugepages. */
  hugepagesFree(numa: number): number | undefined {
    const byCell = this.topology.hugepagesByCell;
    if (!byCell) return undefined;
    return (byCell.get(numa) ?? 0) - (this.hugepagesUsed.get(numa) ?? 0);
  }
}
