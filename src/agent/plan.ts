// What every pod on the node should run on, from the pods alone (level-based: the same pods always
// give the same plan, so a restarted agent recomputes everything). Dataplane pods get the CPUs of
// their ix.dev/cpus annotation; every other pod gets the shared pool, the online CPUs no dataplane
// pod holds. Pure.
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
}

export interface PlanProblem {
  key: string;
  pod: V1Pod;
  message: string;
}

export interface Plan {
  targets: PodTarget[];
  shared: number[];
  /** What the kubepods parents must hold: the shared pool and every dedicated set. */
  union: number[];
  problems: PlanProblem[];
}

const keyOf = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** Pods whose containers can still run: neither finished nor without a UID. */
function live(pod: V1Pod): boolean {
  return !!pod.metadata?.uid && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export function planCpusets(pods: readonly V1Pod[], onlineCpus: readonly number[]): Plan {
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
    targets.push({ key, pod, cgroupUid: cgroupUidOf(pod), qos: qosClassOf(pod), cpus, dataplane: true });
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
  return { targets, shared, union: [...online].sort((a, b) => a - b), problems };
}

function cgroupUidOf(pod: V1Pod): string {
  return pod.metadata?.annotations?.[MIRROR_ANNOTATION] ?? pod.metadata!.uid!;
}
