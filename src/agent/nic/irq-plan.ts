// Where every interrupt of the node should be delivered, from the plan alone (level-based, pure).
// A dataplane pod's VF vectors go to the CPUs it was granted, spread one vector per active CPU, as
// IX gave each elastic thread its own queue; every other interrupt is kept off dedicated CPUs.

export interface VfVectors {
  /** namespace/name of the pod holding the VF. */
  key: string;
  /** The VF's MSI-X vectors (IRQ numbers), in the order the device numbers them. */
  irqs: readonly number[];
  /** CPUs running the pod's elastic threads (within its grant). */
  active: readonly number[];
}

/**
 * The affinity of each vector: one active CPU each, round robin, when there are at least as many
 * vectors as active CPUs (a VF with one queue per thread and its misc vector covers every thread's
 * CPU with a queue of its own); with fewer vectors, the active CPUs cut into as many contiguous
 * groups, so every thread's CPU still takes some of the VF's interrupts.
 */
export function spreadVectors(irqs: readonly number[], active: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const cpus = [...active].sort((a, b) => a - b);
  if (cpus.length === 0) return out;
  irqs.forEach((irq, i) => {
    if (irqs.length >= cpus.length) out.set(irq, [cpus[i % cpus.length]!]);
    else out.set(irq, cpus.slice(Math.floor((i * cpus.length) / irqs.length), Math.floor(((i + 1) * cpus.length) / irqs.length)));
  });
  return out;
}

/**
 * An interrupt no dataplane holds: its affinity without the dedicated CPUs, or the shared pool when
 * nothing would be left; undefined when it already avoids them (it is left where irqbalance, the
 * kernel or an admin put it).
 */
export function offDedicated(current: readonly number[], dedicated: ReadonlySet<number>, shared: readonly number[]): number[] | undefined {
  if (!current.some((c) => dedicated.has(c))) return undefined;
  const rest = current.filter((c) => !dedicated.has(c));
  return rest.length > 0 ? rest : [...shared];
}
