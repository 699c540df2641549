// What every pod on the node should run on, from the pods alone (level-based: the same pods always
// give the same plan, so a restarted agent recomputes everything). Dataplane pods get the CPUs of
// their ix.dev/cpus annotation and the memory of their NUMA cell (ix.dev/numa); every other pod gets
// the shared pool, the online CPUs no dataplane pod holds, and keeps its memory nodes. Pure.
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../api/constants.ts';
import { formatCpuset, parseCpuset } from '../lib/cpuset.ts';
import { qosClassOf } from './cgroups/qos.ts';
import type { QosClass } from './cgroups/paths.ts';

/** The kubelet names a static pod's cgroup after the pod's config hash, which its mirror pod carries here. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface PodTarget {
  /** namespace/name */
  key: string;
  pod: V1Pod;
  /** The UID the kubelet named the pod's cgroup after. */
  cgroupUid: string;
  qos: QosClass;
  cpus: number[];
  dataplane: boolean;
  /** Dataplane pods: the memory nodes (cpuset.mems) of their NUMA cell, when the node's cells are known. */
  mems?: number[];
  /** Dataplane pods: the CPUs running elastic threads (ix.dev/active-cpus within the grant; the grant when absent). */
  active?: number[];
  /** Dataplane pods: PCI address of their VF (ix.dev/vf). */
  vf?: string;
}

export interface PlanProblem {
  key: string;
  pod: V1Pod;
  message: string;
  /** The Warning event's reason; CpusetNotApplied unless given. */
  reason?: string;
}

export interface Plan {
  targets: PodTarget[];
  shared: number[];
  /** What the kubepods parents must hold: the shared pool and every dedicated set. */
  union: number[];
  /** What the kubepods parents' cpuset.mems must hold: every NUMA cell (empty when the cells are unknown). */
  cells: number[];
  problems: PlanProblem[];
}

const keyOf = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** Pods whose containers can still run: neither finished nor without a UID. */
function live(pod: V1Pod): boolean {
  return !!pod.metadata?.uid && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/**
 * `cellOf` (CPU → NUMA cell, from the inventory) turns on the memory side: without it no pod gets
 * cpuset.mems, as before the agent knew cells.
 */
export function planCpusets(pods: readonly V1Pod[], onlineCpus: readonly number[], cellOf?: ReadonlyMap<number, number>): Plan {
  const online = new Set(onlineCpus);
  const problems: PlanProblem[] = [];
  const dedicated = new Map<number, string>();
  const targets: PodTarget[] = [];
  const others: V1Pod[] = [];
  // Sorted so that, should two pods ever claim one CPU, the same one wins on every pass.
  for (const pod of [...pods].filter(live).sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    if (pod.metadata?.labels?.[LABELS.dataplane] === undefined) {
      others.push(pod);
      continue;
    }
    const key = keyOf(pod);
    const text = pod.metadata?.annotations?.[ANNOTATIONS.cpus];
    if (text === undefined) {
      problems.push({ key, pod, message: `dataplane pod has no ${ANNOTATIONS.cpus} annotation: its CPUs are left as they are` });
      continue;
    }
    let cpus: number[];
    try {
      cpus = parseCpuset(text);
    } catch (e) {
      problems.push({ key, pod, message: `${ANNOTATIONS.cpus}: ${(e as Error).message}` });
      continue;
    }
    const offline = cpus.filter((c) => !online.has(c));
    const taken = cpus.filter((c) => dedicated.has(c));
    if (cpus.length === 0 || offline.length > 0) {
      problems.push({ key, pod, message: `${ANNOTATIONS.cpus}="${text}" names ${cpus.length === 0 ? 'no CPU' : `CPUs that are not online here (${formatCpuset(offline)})`}` });
      continue;
    }
    if (taken.length > 0) {
      problems.push({ key, pod, message: `${ANNOTATIONS.cpus}="${text}": CPUs ${formatCpuset(taken)} are already dedicated to ${dedicated.get(taken[0]!)}; not applied` });
      continue;
    }
    for (const c of cpus) dedicated.set(c, key);
    const target: PodTarget = { key, pod, cgroupUid: cgroupUidOf(pod), qos: qosClassOf(pod), cpus, dataplane: true, active: activeOf(pod, cpus) };
    const vf = pod.metadata?.annotations?.[ANNOTATIONS.vf];
    if (vf) target.vf = vf;
    if (cellOf) {
      const mems = memsOf(pod, cpus, cellOf);
      if (typeof mems === 'string') problems.push({ key, pod, message: mems, reason: 'MemsNotApplied' });
      else target.mems = mems;
    }
    targets.push(target);
  }
  const shared = [...online].filter((c) => !dedicated.has(c)).sort((a, b) => a - b);
  for (const pod of others) {
    const key = keyOf(pod);
    if (shared.length === 0) {
      problems.push({ key, pod, message: 'every online CPU is dedicated to a dataplane: no shared CPU is left for this pod' });
      continue;
    }
    targets.push({ key, pod, cgroupUid: cgroupUidOf(pod), qos: qosClassOf(pod), cpus: shared, dataplane: false });
  }
  const cells = cellOf ? [...new Set(cellOf.values())].sort((a, b) => a - b) : [];
  return { targets, shared, union: [...online].sort((a, b) => a - b), cells, problems };
}

/** ix.dev/active-cpus within the grant; the whole grant when absent, malformed or outside it. */
function activeOf(pod: V1Pod, cpus: readonly number[]): number[] {
  try {
    const active = parseCpuset(pod.metadata?.annotations?.[ANNOTATIONS.activeCpus] ?? '').filter((c) => cpus.includes(c));
    return active.length > 0 ? active : [...cpus];
  } catch {
    return [...cpus];
  }
}

/**
 * The pod's memory nodes: its ix.dev/numa cell; without the annotation, the cells of its CPUs (one,
 * as the placer places). A message when the annotation names no cell of this node.
 */
function memsOf(pod: V1Pod, cpus: readonly number[], cellOf: ReadonlyMap<number, number>): number[] | string {
  const text = pod.metadata?.annotations?.[ANNOTATIONS.numa];
  if (text === undefined) return [...new Set(cpus.map((c) => cellOf.get(c)!))].sort((a, b) => a - b);
  const known = new Set(cellOf.values());
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !known.has(Number(text))) {
    return `${ANNOTATIONS.numa}="${text}" is not a NUMA cell of this node (cells ${formatCpuset([...known])}): its memory nodes are left as they are`;
  }
  return [Number(text)];
}

function cgroupUidOf(pod: V1Pod): string {
  return pod.metadata?.annotations?.[MIRROR_ANNOTATION] ?? pod.metadata!.uid!;
}
