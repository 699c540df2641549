// Applies the NIC side of a plan: each dataplane pod's VF vectors to its active CPUs, every other
// interrupt off the dedicated CPUs, and the VF's combined channels to the pod's active threads.
// Read before write, like the cpusets: a vector or count already right is not written, so a
// restarted agent changes nothing that is in place and repairs what drifted. A refusal (the
// kernel's, or the driver's through ethtool) is a problem of that pod; the rest still applies.
import { formatCpuset } from '../../lib/cpuset.ts';
import type { Logger } from '../../lib/log.ts';
import { subtree } from '../cgroups/apply.ts';
import type { PlanProblem, PodTarget } from '../plan.ts';
import type { Sysfs } from '../sysfs/read.ts';
import type { ChannelControl } from './ethtool.ts';
import { offDedicated, spreadVectors } from './irq-plan.ts';
import { readMsiIrqs } from './msi.ts';
import { findVfNetdev } from './netdev.ts';
import type { IrqAffinities } from './procfs-irq.ts';

export interface NicOptions {
  sysfs: Sysfs;
  irqs: IrqAffinities;
  channels: ChannelControl;
  /** Set VF channel counts; false leaves them alone (no ethtool, no entering pods' network namespaces). */
  vfChannels: boolean;
  procRoot: string;
  /** Each dataplane pod's cgroup directory (where its processes are, to reach its network namespace). */
  podDirs: Readonly<Record<string, string>>;
  dryRun: boolean;
  log: Logger;
  onWrite?: (file: string, from: string, to: string) => void;
}

export interface VfApplied {
  vf: string;
  /** IRQ → CPUs, for the vectors whose affinity is in place. */
  irqs: Record<string, string>;
  channels?: number;
}

export interface NicResult {
  /** namespace/name → what is in place for its VF. */
  applied: Record<string, VfApplied>;
  problems: PlanProblem[];
  /** Interrupts of no dataplane that the kernel would not move off dedicated CPUs, with its message. */
  sharedRefused: string[];
  /** Why no interrupt was looked at, when /proc/irq cannot be listed. */
  irqsUnavailable?: string;
  writes: number;
}

const same = (a: readonly number[], b: readonly number[]) => formatCpuset(a) === formatCpuset(b);

export async function enforceNic(targets: readonly PodTarget[], shared: readonly number[], opts: NicOptions): Promise<NicResult> {
  const result: NicResult = { applied: {}, problems: [], sharedRefused: [], writes: 0 };
  const dataplanes = targets.filter((t): t is PodTarget & { vf: string } => t.dataplane && t.vf !== undefined);
  const dedicated = new Set(targets.filter((t) => t.dataplane).flatMap((t) => t.cpus));
  let listed: number[] | undefined;
  try {
    listed = await opts.irqs.list();
  } catch (e) {
    result.irqsUnavailable = (e as Error).message;
  }
  const setAffinity = async (irq: number, from: readonly number[], to: readonly number[]) => {
    opts.onWrite?.(`${opts.irqs.procRoot}/irq/${irq}/smp_affinity_list`, formatCpuset(from), formatCpuset(to));
    if (!opts.dryRun) await opts.irqs.write(irq, to);
    result.writes++; // after the write: a refused one is a problem, not a write
  };

  const present = new Set(listed);
  const held = new Set<number>();
  for (const t of dataplanes) {
    const applied: VfApplied = { vf: t.vf, irqs: {} };
    result.applied[t.key] = applied;
    if (listed === undefined) continue;
    const vectors = (await readMsiIrqs(opts.sysfs, t.vf)).filter((irq) => present.has(irq));
    for (const [irq, want] of spreadVectors(vectors, t.active ?? t.cpus)) {
      held.add(irq);
      const current = await opts.irqs.read(irq);
      if (current === undefined) continue;
      try {
        if (!same(current, want)) await setAffinity(irq, current, want);
        applied.irqs[String(irq)] = formatCpuset(want);
      } catch (e) {
        result.problems.push({ key: t.key, pod: t.pod, reason: 'IrqAffinityNotApplied', message: `VF ${t.vf} interrupt ${irq}: ${(e as Error).message}` });
      }
    }
  }
  for (const irq of listed ?? []) {
    if (held.has(irq)) continue;
    const current = await opts.irqs.read(irq);
    const want = current && offDedicated(current, dedicated, shared);
    if (!current || !want) continue;
    try {
      await setAffinity(irq, current, want);
    } catch (e) {
      result.sharedRefused.push(`${irq}: ${(e as Error).message}`);
    }
  }

  if (opts.vfChannels) for (const t of dataplanes) await applyChannels(t, result, opts);
  return result;
}

/** The VF's combined channels to the pod's active threads, capped at the driver's maximum. */
async function applyChannels(t: PodTarget & { vf: string }, result: NicResult, opts: NicOptions): Promise<void> {
  const problem = (message: string) => result.problems.push({ key: t.key, pod: t.pod, reason: 'ChannelsNotSet', message: `VF ${t.vf}: ${message}` });
  // No kernel netdev driver, no channels to set: a vfio-pci VF's queues are its user's (DPDK's) to configure.
  const driver = await opts.sysfs.linkName(`bus/pci/devices/${t.vf}/driver`);
  if (driver === undefined || driver === 'vfio-pci') return;
  try {
    const dir = opts.podDirs[t.key];
    const lookup = await findVfNetdev(opts.sysfs, opts.procRoot, t.vf, dir ? await subtree(dir) : [], opts.channels);
    if ('none' in lookup) return void problem(lookup.none);
    const dev = lookup.found;
    const now = await opts.channels.read(dev);
    if (!now.maxCombined || now.combined === undefined) {
      return void problem(`its driver (${driver}) has no combined channels to set (ethtool -l ${dev.ifname}); its queues stay as the driver set them`);
    }
    const threads = (t.active ?? t.cpus).length;
    const want = Math.min(threads, now.maxCombined);
    if (want < threads) opts.log.debug('VF has fewer channels than the pod has threads', { pod: t.key, vf: t.vf, max: now.maxCombined, threads });
    if (now.combined !== want) {
      opts.onWrite?.(`ethtool -L ${dev.ifname} combined`, String(now.combined), String(want));
      if (!opts.dryRun) await opts.channels.setCombined(dev, want);
      result.writes++; // after the write: a refused one is a problem, not a write
    }
    result.applied[t.key]!.channels = want;
  } catch (e) {
    problem((e as Error).message);
  }
}
