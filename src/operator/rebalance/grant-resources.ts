// A grant is the pod's truth everywhere (docs/adr/0018-grants-resize-pods.md): the CPUs in
// ix.dev/cpus are what the cpuset allows (the node agent), what the CFS quota allows (the kubelet
// turns the container's CPU limit into it) and what the scheduler counts (the pod's requests). These
// pure functions say where a pod stands; the rebalancer resizes the pod through the `resize`
// subresource until its CPU requests and limits equal its grant.
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../../api/constants.ts';
import { parseCpuset } from '../../lib/cpuset.ts';

/** The container that runs the dataplane (pod-builder.ts). */
export const DATAPLANE_CONTAINER = 'dataplane';

/** Where the kubelet stands with a pod's last resize, from the pod's conditions (Kubernetes ≥ 1.33). */
export type ResizeState =
  | { kind: 'done' }
  | { kind: 'inProgress' }
  /** The node has no room now; the kubelet retries when room appears. */
  | { kind: 'deferred'; message: string }
  /** The node can never give it (e.g. the static CPU manager, or more than the node has). */
  | { kind: 'infeasible'; message: string };

export function resizeState(pod: V1Pod): ResizeState {
  const conditions = pod.status?.conditions ?? [];
  const pending = conditions.find((c) => c.type === 'PodResizePending' && c.status === 'True');
  if (pending?.reason === 'Infeasible') return { kind: 'infeasible', message: pending.message ?? '' };
  if (pending) return { kind: 'deferred', message: pending.message ?? '' };
  if (conditions.some((c) => c.type === 'PodResizeInProgress' && c.status === 'True')) return { kind: 'inProgress' };
  return { kind: 'done' };
}

/** A resize the kubelet cannot make now (Deferred) or ever (Infeasible). */
export type BlockedResize = Extract<ResizeState, { kind: 'deferred' | 'infeasible' }>;

/** The pod's last resize if the kubelet cannot make it; undefined when it is done or under way. */
export function blockedResize(pod: V1Pod): BlockedResize | undefined {
  const st = resizeState(pod);
  return st.kind === 'deferred' || st.kind === 'infeasible' ? st : undefined;
}

/** How many CPUs the pod is granted (ix.dev/cpus), or undefined before it has a grant. */
export function grantedCpuCount(pod: V1Pod): number | undefined {
  const cpus = pod.metadata?.annotations?.[ANNOTATIONS.cpus];
  if (!cpus) return undefined;
  try {
    return parseCpuset(cpus).length;
  } catch {
    return undefined;
  }
}

/** CPUs of a Kubernetes CPU quantity ("2", "1500m", "0.5"). */
export function cpuQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}

/** The dataplane container's CPU request and limit as the pod's spec holds them. */
export function specCpus(pod: V1Pod): { requests?: number; limits?: number } {
  const c = pod.spec?.containers?.find((x) => x.name === DATAPLANE_CONTAINER);
  return { requests: cpuQuantity(c?.resources?.requests?.cpu), limits: cpuQuantity(c?.resources?.limits?.cpu) };
}

/** The CPU count the pod must be resized to, or undefined when its requests and limits equal its grant. */
export function resizeTarget(pod: V1Pod): number | undefined {
  const granted = grantedCpuCount(pod);
  if (granted === undefined || !pod.spec?.nodeName) return undefined;
  const { requests, limits } = specCpus(pod);
  return requests === granted && limits === granted ? undefined : granted;
}

/** The body of a `resize` subresource patch (strategic merge) that sets the dataplane's CPU requests and limits. */
export function resizeBody(cpus: number): object {
  const cpu = String(cpus);
  return { spec: { containers: [{ name: DATAPLANE_CONTAINER, resources: { requests: { cpu }, limits: { cpu } } }] } };
}

/** The CPUs the kubelet has actuated for the dataplane container (its allocated resources, else its status limits). */
export function actuatedCpus(pod: V1Pod): number | undefined {
  const s = pod.status?.containerStatuses?.find((c) => c.name === DATAPLANE_CONTAINER);
  return cpuQuantity(s?.allocatedResources?.cpu) ?? cpuQuantity(s?.resources?.limits?.cpu);
}

/**
 * The CPUs to keep when a grant is given back to what the kubelet can actuate: the CPUs running
 * threads first (the dataplane reported them), then the others, in grant order; at least one.
 */
export function cpusToKeep(granted: readonly number[], active: readonly number[], count: number): number[] {
  const first = granted.filter((c) => active.includes(c));
  const rest = granted.filter((c) => !active.includes(c));
  return [...first, ...rest].slice(0, Math.max(1, Math.floor(count))).sort((a, b) => a - b);
}
