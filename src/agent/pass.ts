// One enforcement pass over the pods bound to the node: their cgroups (cpuset.cpus and, for
// dataplane pods, cpuset.mems), then the NIC side (VF interrupts, other interrupts, VF channels).
// What is in place is summarised for DataplaneNode.status.
import type { V1Pod } from '@kubernetes/client-node';
import type { AppliedLocality, DataplaneNodeSpec } from '../api/dataplane-node.ts';
import type { Logger } from '../lib/log.ts';
import type { CpusetHierarchy } from './cgroups/hierarchy.ts';
import { enforce } from './enforcer.ts';
import type { ChannelControl } from './nic/ethtool.ts';
import { enforceNic } from './nic/enforce-nic.ts';
import type { IrqAffinities } from './nic/procfs-irq.ts';
import { planCpusets, type PlanProblem } from './plan.ts';
import type { Sysfs } from './sysfs/read.ts';

export interface PassOptions {
  hierarchy: CpusetHierarchy;
  sysfs: Sysfs;
  irqs: IrqAffinities;
  channels: ChannelControl;
  vfChannels: boolean;
  procRoot: string;
  dryRun: boolean;
  log: Logger;
  /** Told of every write: a file with the set it held and the set written, or an ethtool command. */
  onWrite?: (file: string, from: string, to: string) => void;
}

export interface PassResult {
  /** Dataplane pods' cpusets in place: namespace/name → cpuset. */
  appliedCpusets: Record<string, string>;
  appliedLocality: AppliedLocality[];
  problems: PlanProblem[];
  sharedRefused: string[];
  irqsUnavailable?: string;
  shared: number[];
  writes: number;
}

export async function enforcePass(pods: readonly V1Pod[], spec: DataplaneNodeSpec, opts: PassOptions): Promise<PassResult> {
  const plan = planCpusets(pods, spec.cpus.map((c) => c.id), new Map(spec.cpus.map((c) => [c.id, c.numa])));
  const cg = await enforce(plan, { hierarchy: opts.hierarchy, dryRun: opts.dryRun, log: opts.log, onWrite: opts.onWrite });
  const nic = await enforceNic(plan.targets, plan.shared, { ...opts, podDirs: cg.podDirs });
  const appliedLocality: AppliedLocality[] = [];
  for (const key of [...new Set([...Object.keys(cg.mems), ...Object.keys(nic.applied)])].sort()) {
    const entry: AppliedLocality = { pod: key };
    const mems = cg.mems[key];
    const vf = nic.applied[key];
    if (mems !== undefined) entry.mems = mems;
    if (vf) {
      entry.vf = vf.vf;
      if (Object.keys(vf.irqs).length > 0) entry.irqs = vf.irqs;
      if (vf.channels !== undefined) entry.channels = vf.channels;
    }
    appliedLocality.push(entry);
  }
  const result: PassResult = {
    appliedCpusets: cg.applied, appliedLocality, problems: [...cg.problems, ...nic.problems], sharedRefused: nic.sharedRefused,
    shared: plan.shared, writes: cg.writes + nic.writes,
  };
  if (nic.irqsUnavailable !== undefined) result.irqsUnavailable = nic.irqsUnavailable;
  return result;
}
