// The kernel's interrupt affinities under a configurable proc root (/proc on a node, a fixture tree
// in tests): <proc>/irq/<n>/smp_affinity_list, a CPU list as cpusets write them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatCpuset, parseCpuset } from '../../lib/cpuset.ts';

export class IrqAffinities {
  constructor(readonly procRoot: string) {}

  private file(irq: number): string {
    return path.join(this.procRoot, 'irq', String(irq), 'smp_affinity_list');
  }

  /** Every IRQ the kernel lists, ascending. */
  async list(): Promise<number[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(this.procRoot, 'irq'));
    } catch (e) {
      throw new Error(`cannot list ${path.join(this.procRoot, 'irq')}: ${(e as Error).message} (is --proc-root a procfs with irq/ visible? a container needs the host's /proc/irq mounted)`);
    }
    return entries.filter((e) => /^(0|[1-9][0-9]*)$/.test(e)).map(Number).sort((a, b) => a - b);
  }

  /** The IRQ's affinity; undefined when the IRQ is gone (freed since it was listed). */
  async read(irq: number): Promise<number[] | undefined> {
    try {
      return parseCpuset((await fs.readFile(this.file(irq), 'utf8')).trim());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes the affinity; the kernel's refusal (EIO for an IRQ whose affinity it manages, EINVAL for offline CPUs) is thrown with its message. */
  async write(irq: number, cpus: readonly number[]): Promise<void> {
    const text = formatCpuset(cpus);
    try {
      await fs.writeFile(this.file(irq), text);
    } catch (e) {
      throw new Error(`cannot write ${text} to ${this.file(irq)}: ${(e as Error).message}`);
    }
  }
}
