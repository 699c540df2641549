// Applies a plan to the node's cgroups: first the kubepods parents widen to hold every CPU (and
// memory node) any pod will get, then each pod's cgroup tree (the pod, its sandbox and containers)
// gets its CPUs and, for a dataplane pod, the memory nodes of its NUMA cell.
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { formatCpuset } from '../lib/cpuset.ts';
import type { Logger } from '../lib/log.ts';
import { exists, setCpuset, subtree, widenCpuset, type CpusetFile, type WriteOptions } from './cgroups/apply.ts';
import type { CpusetHierarchy } from './cgroups/hierarchy.ts';
import { containerCgroupName, kubepodsParents, parseContainerId, podCgroupPaths, type CgroupDriver } from './cgroups/paths.ts';
import type { Plan, PlanProblem, PodTarget } from './plan.ts';

export interface EnforceResult {
  /** Dataplane pods whose cgroups hold their CPUs now: namespace/name → cpuset. */
  applied: Record<string, string>;
  /** Dataplane pods whose cgroups hold the memory nodes of their cell: namespace/name → cpuset.mems. */
  mems: Record<string, string>;
  /** The cgroup directory of each dataplane pod found (where its processes are). */
  podDirs: Record<string, string>;
  /** Pods the agent could not give their CPUs, and why. */
  problems: PlanProblem[];
  writes: number;
}

export interface EnforceOptions {
  hierarchy: CpusetHierarchy;
  dryRun: boolean;
  log: Logger;
  /** Told of every write (or, in a dry run, every write that would be made). */
  onWrite?: (file: string, from: string, to: string) => void;
}

async function findPodCgroup(hierarchy: CpusetHierarchy, t: PodTarget): Promise<{ dir: string; driver: CgroupDriver } | { looked: string[] }> {
  const candidates = podCgroupPaths(t.cgroupUid, t.qos);
  for (const c of candidates) {
    const dir = path.join(hierarchy.dir, c.path);
    if (await exists(dir)) return { dir, driver: c.driver };
  }
  return { looked: candidates.map((c) => path.join(hierarchy.dir, c.path)) };
}

/** Running containers whose cgroup is not where the runtime's layout puts it, i.e. would escape the cpuset. */
async function missingContainers(pod: V1Pod, podDir: string, driver: CgroupDriver): Promise<string[]> {
  const missing: string[] = [];
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  for (const s of statuses) {
    if (!s.state?.running || !s.containerID) continue;
    const id = parseContainerId(s.containerID);
    if (!id) continue; // a runtime whose layout we do not know: its cgroups are still walked below the pod
    const name = containerCgroupName(id.runtime, driver, id.id);
    if (!(await exists(path.join(podDir, name)))) missing.push(`${s.name} (${name})`);
  }
  return missing;
}

export async function enforce(plan: Plan, opts: EnforceOptions): Promise<EnforceResult> {
  const result: EnforceResult = { applied: {}, mems: {}, podDirs: {}, problems: [...plan.problems], writes: 0 };
  const cpusWrite: WriteOptions = {
    version: opts.hierarchy.version, dryRun: opts.dryRun,
    onWrite: (dir, from, to, file) => {
      opts.log[opts.dryRun ? 'info' : 'debug'](opts.dryRun ? `would write ${file}` : `writing ${file}`, { dir, from, to });
      opts.onWrite?.(path.join(dir, file), from, to);
    },
  };
  const memsWrite: WriteOptions = { ...cpusWrite, file: 'cpuset.mems' };
  const widen = async (parents: string[], ids: number[], write: WriteOptions, file: CpusetFile) => {
    try {
      result.writes += await widenCpuset(parents, ids, write);
    } catch (e) {
      // Not fatal: pods whose sets already lie inside their parents' can still be enforced, and
      // those that cannot get a write error of their own, reported on the pod.
      opts.log.warn(`cannot widen the kubepods cgroups' ${file} to every ${file === 'cpuset.cpus' ? 'CPU' : 'NUMA cell'}`, { error: (e as Error).message });
    }
  };
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    const parents: string[] = [];
    for (const p of kubepodsParents(driver)) {
      const dir = path.join(opts.hierarchy.dir, p);
      if (await exists(dir)) parents.push(dir);
    }
    if (parents.length === 0) continue;
    await widen(parents, plan.union, cpusWrite, 'cpuset.cpus');
    if (plan.cells.length > 0) await widen(parents, plan.cells, memsWrite, 'cpuset.mems');
  }
  for (const t of plan.targets) {
    const found = await findPodCgroup(opts.hierarchy, t);
    if ('looked' in found) {
      // A pod whose containers have not started has no cgroup yet; only a running one is a problem.
      if (t.pod.status?.phase === 'Running') {
        result.problems.push({ key: t.key, pod: t.pod, message: `cgroup of the pod not found (looked for ${found.looked.join(' and ')}): CPUs ${formatCpuset(t.cpus)} not applied` });
      }
      continue;
    }
    if (t.dataplane) result.podDirs[t.key] = found.dir;
    const dirs = await subtree(found.dir);
    try {
      result.writes += await setCpuset(dirs, t.cpus, cpusWrite);
    } catch (e) {
      result.problems.push({ key: t.key, pod: t.pod, message: (e as Error).message });
      continue;
    }
    if (t.mems) {
      // Apart from the CPUs: a cell whose memory the kernel refuses leaves the CPUs applied.
      try {
        result.writes += await setCpuset(dirs, t.mems, memsWrite);
        result.mems[t.key] = formatCpuset(t.mems);
      } catch (e) {
        result.problems.push({ key: t.key, pod: t.pod, message: (e as Error).message, reason: 'MemsNotApplied' });
      }
    }
    const missing = await missingContainers(t.pod, found.dir, found.driver);
    if (missing.length > 0) {
      result.problems.push({ key: t.key, pod: t.pod, message: `running containers without a cgroup under ${found.dir}: ${missing.join(', ')}; they may run outside CPUs ${formatCpuset(t.cpus)}` });
      continue;
    }
    if (t.dataplane) result.applied[t.key] = formatCpuset(t.cpus);
  }
  return result;
}
