// What `ixctl status` shows, computed from the objects it read: pure, so the rules (what counts as a
// problem, which nodes are shown, where each number comes from) are tested without a cluster.
import type { V1Pod } from '@kubernetes/client-node';
import type { Condition, Dataplane } from '../api/dataplane.ts';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { ANNOTATIONS, LABELS } from '../api/constants.ts';
import { parseCpuset } from '../lib/cpuset.ts';

export interface DataplaneRow {
  namespace: string;
  name: string;
  replicas: { ready: number; wanted: number };
  /** From status: CPUs running elastic threads now / dedicated CPUs held, over all replicas. */
  cores: { active?: number; allocated?: number };
  p99?: string;
  /** One word when all is well (the Ready reason), else every condition not in its normal state. */
  conditions: string;
}

export interface PodRow {
  namespace: string;
  dataplane: string;
  name: string;
  node?: string;
  /** Pod phase, or Terminating. */
  phase: string;
  ready: boolean;
  numa?: number;
  /** Dedicated CPUs (ix.dev/cpus), as the cpuset list the pod carries. */
  cpus?: string;
  /** The CPUs running elastic threads now (ix.dev/active-cpus). */
  activeCpus?: string;
  vf?: string;
  /** From the Dataplane's status.pods entry of this pod. */
  p99?: string;
}

export interface NodeRow {
  name: string;
  /** Online CPUs of the inventory. */
  cpus: number;
  /** CPUs that may be dedicated at all: online CPUs less the reserved ones. */
  dedicatable: number;
  /** Dedicated CPUs held by dataplane pods now (status.allocatedCpus). */
  allocated?: number;
  allocatedCpus?: string;
  /** CPUs that can still be dedicated (status.cpusFree). */
  free?: number;
  sharedPool?: string;
  vfsTotal: number;
  vfsFree?: number;
  /** Dataplane pods holding CPUs here (status.allocations). */
  pods?: number;
}

/** A condition not in its normal state, with the message that says why. */
export interface Problem {
  namespace: string;
  dataplane: string;
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface StatusView {
  /** The namespace asked for; undefined = all namespaces. */
  namespace?: string;
  dataplanes: DataplaneRow[];
  pods: PodRow[];
  nodes: NodeRow[];
  problems: Problem[];
  /** What could not be read, said instead of failing the whole command (e.g. no right to list DataplaneNodes). */
  warnings: string[];
}

export interface StatusInput {
  namespace?: string;
  dataplanes: readonly Dataplane[];
  /** Pods labelled ix.dev/dataplane (of the namespace, or all). */
  pods: readonly V1Pod[];
  /** Every DataplaneNode; undefined when they could not be read. */
  nodes?: readonly DataplaneNode[];
  warnings?: readonly string[];
}

/** Conditions whose normal state is False (the others' is True). */
const NORMALLY_FALSE = new Set(['Progressing', 'Degraded']);

const isNormal = (c: Pick<Condition, 'type' | 'status'>): boolean => (NORMALLY_FALSE.has(c.type) ? c.status === 'False' : c.status === 'True');

/** "AllReplicasReady" when every condition is in its normal state, else "Ready=False(Unschedulable), …". */
export function summarizeConditions(conditions: readonly Condition[] | undefined): string {
  if (!conditions || conditions.length === 0) return '';
  const off = conditions.filter((c) => !isNormal(c));
  if (off.length === 0) return conditions.find((c) => c.type === 'Ready')?.reason ?? 'OK';
  return readyFirst(off).map((c) => `${c.type}=${c.status}(${c.reason})`).join(', ');
}

/** Ready first (the one a person looks for), the others in the order the operator wrote them. */
const readyFirst = (conditions: readonly Condition[]): Condition[] => {
  const order = (c: Condition) => (c.type === 'Ready' ? 0 : 1);
  return [...conditions].sort((a, b) => order(a) - order(b));
};

/** Number of CPUs of a cpuset list, or undefined when absent or unreadable (status must not fail on a bad annotation). */
export function cpuCount(set: string | undefined): number | undefined {
  if (set === undefined) return undefined;
  try {
    return parseCpuset(set).length;
  } catch {
    return undefined;
  }
}

export function podPhase(pod: V1Pod): string {
  return pod.metadata?.deletionTimestamp ? 'Terminating' : pod.status?.phase ?? 'Unknown';
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** The node a pod's allocation is on: where it is bound, else where the operator placed it. */
const podNode = (pod: V1Pod): string | undefined => pod.spec?.nodeName ?? pod.metadata?.annotations?.[ANNOTATIONS.node];

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : undefined;
}

export function buildStatusView(input: StatusInput): StatusView {
  const dataplanes = [...input.dataplanes].sort((a, b) => byName(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || byName(a.metadata.name ?? '', b.metadata.name ?? ''));
  const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
  const dpByKey = new Map(dataplanes.map((d) => [key(d.metadata.namespace, d.metadata.name), d]));

  const dpRows: DataplaneRow[] = dataplanes.map((d) => ({
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name ?? '',
    replicas: { ready: d.status?.readyReplicas ?? 0, wanted: d.spec.replicas },
    cores: {
      ...(d.status?.coresActive !== undefined ? { active: d.status.coresActive } : {}),
      ...(d.status?.coresAllocated !== undefined ? { allocated: d.status.coresAllocated } : {}),
    },
    ...(d.status?.p99 ? { p99: d.status.p99 } : {}),
    conditions: summarizeConditions(d.status?.conditions),
  }));

  const problems: Problem[] = dataplanes.flatMap((d) => readyFirst((d.status?.conditions ?? []).filter((c) => !isNormal(c))).map((c) => ({
    namespace: d.metadata.namespace ?? '', dataplane: d.metadata.name ?? '', type: c.type, status: c.status, reason: c.reason, message: c.message,
  })));

  const pods = input.pods.filter((p) => p.metadata?.labels?.[LABELS.dataplane] !== undefined);
  const podRows: PodRow[] = pods.map((p) => {
    const ann = p.metadata?.annotations ?? {};
    const dataplane = p.metadata!.labels![LABELS.dataplane]!;
    const dp = dpByKey.get(key(p.metadata?.namespace, dataplane));
    const p99 = dp?.status?.pods?.find((s) => s.name === p.metadata?.name)?.p99;
    const node = podNode(p);
    const numa = numberOrUndefined(ann[ANNOTATIONS.numa]);
    return {
      namespace: p.metadata?.namespace ?? '',
      dataplane,
      name: p.metadata?.name ?? '',
      ...(node ? { node } : {}),
      phase: podPhase(p),
      ready: isPodReady(p),
      ...(numa !== undefined ? { numa } : {}),
      ...(ann[ANNOTATIONS.cpus] ? { cpus: ann[ANNOTATIONS.cpus] } : {}),
      ...(ann[ANNOTATIONS.activeCpus] ? { activeCpus: ann[ANNOTATIONS.activeCpus] } : {}),
      ...(ann[ANNOTATIONS.vf] ? { vf: ann[ANNOTATIONS.vf] } : {}),
      ...(p99 ? { p99 } : {}),
    };
  }).sort((a, b) => byName(a.namespace, b.namespace) || byName(a.dataplane, b.dataplane) || byName(a.name, b.name));

  // Every node for the whole cluster; for one namespace, the nodes its pods are on (a cluster of 200
  // nodes would otherwise bury the few that matter).
  const wanted = input.namespace === undefined ? undefined : new Set(podRows.map((p) => p.node).filter((n): n is string => !!n));
  const nodeRows: NodeRow[] = (input.nodes ?? [])
    .filter((n) => !wanted || wanted.has(n.metadata.name ?? ''))
    .map((n) => nodeRow(n))
    .sort((a, b) => byName(a.name, b.name));

  return {
    ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
    dataplanes: dpRows, pods: podRows, nodes: nodeRows, problems, warnings: [...(input.warnings ?? [])],
  };
}

function nodeRow(n: DataplaneNode): NodeRow {
  const online = new Set((n.spec?.cpus ?? []).map((c) => c.id));
  let reserved = 0;
  try {
    reserved = parseCpuset(n.spec?.reservedCpus ?? '').filter((id) => online.has(id)).length;
  } catch {
    // An unreadable reservedCpus reserves nothing we could count; the operator reports it.
  }
  const s = n.status;
  const allocated = s?.allocatedCpus !== undefined ? cpuCount(s.allocatedCpus) : undefined;
  return {
    name: n.metadata.name ?? '',
    cpus: online.size,
    dedicatable: online.size - reserved,
    ...(allocated !== undefined ? { allocated } : {}),
    ...(s?.allocatedCpus ? { allocatedCpus: s.allocatedCpus } : {}),
    ...(s?.cpusFree !== undefined ? { free: s.cpusFree } : {}),
    ...(s?.sharedPool ? { sharedPool: s.sharedPool } : {}),
    vfsTotal: n.spec?.vfs?.length ?? 0,
    ...(s?.vfsFree !== undefined ? { vfsFree: s.vfsFree } : {}),
    ...(s?.allocations !== undefined ? { pods: s.allocations.length } : {}),
  };
}
