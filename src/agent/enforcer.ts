// Applies a plan to the node's cgroups: first the kubepods parents widen to hold every CPU any pod
// will get, then each pod's cgroup tree (the pod, its sandbox and containers) gets its set.
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { formatCpuset } from '../lib/cpuset.ts';
import type { Logger } from '../lib/log.ts';
import { exists, setCpus, subtree, widenCpus, type WriteOptions } from './cgroups/apply.ts';
import type { CpusetHierarchy } from './cgroups/hierarchy.ts';
import { containerCgroupName, kubepodsParents, parseContainerId, podCgroupPaths, type CgroupDriver } from './cgroups/paths.ts';
import type { Plan, PlanProblem, PodTarget } from './plan.ts';

export interface EnforceResult {
  /** Dataplane pods whose cgroups hold their CPUs now: namespace/name → cpuset. */
  applied: Record<string, string>;
  /** Pods the agent could not give their CPUs, and why. */
  problems: PlanProblem[];
  writes: number;
}

export interface EnforceOptions {
  hierarchy: CpusetHierarchy;
  dryRun: boolean;
  log: Logger;
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
  const result: EnforceResult = { applied: {}, problems: [...plan.problems], writes: 0 };
  const write: WriteOptions = {
    version: opts.hierarchy.version, dryRun: opts.dryRun,
    onWrite: (dir, from, to) => opts.log[opts.dryRun ? 'info' : 'debug'](opts.dryRun ? 'would write cpuset.cpus' : 'writing cpuset.cpus', { dir, from, to }),
  };
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    const parents: string[] = [];
    for (const p of kubepodsParents(driver)) {
      const dir = path.join(opts.hierarchy.dir, p);
      if (await exists(dir)) parents.push(dir);
    }
    if (parents.length === 0) continue;
    try {
      result.writes += await widenCpus(parents, plan.union, write);
    } catch (e) {
      // Not fatal: pods whose CPUs already lie inside their parents' can still be enforced, and
      // those that cannot get a write error of their own, reported on the pod.
      opts.log.warn('cannot widen the kubepods cgroups to every CPU', { error: (e as Error).message });
    }
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
    try {
      result.writes += await setCpus(await subtree(found.dir), t.cpus, write);
    } catch (e) {
      result.problems.push({ key: t.key, pod: t.pod, message: (e as Error).message });
      continue;
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
