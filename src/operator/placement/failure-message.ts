// Turns per-node rejections into one kube-scheduler style sentence ("0/5 nodes are available:
// 2 not ready, 1 had too few free CPUs on any NUMA cell (needs 8, most free 6).") plus counts.
// The sentence goes into the pod's PodScheduled condition and the Dataplane's Warning event, so it
// must tell a person what to add or change; the counts are for code.
import type { ResourceRejection } from './fit.ts';
import type { FilterRejection } from './node-filter.ts';
import type { PlacementRequest, RejectionKind } from './types.ts';
import { REJECTION_KINDS } from './types.ts';

export type NodeRejection = FilterRejection | ResourceRejection;

/** Bytes as the largest binary unit that divides them exactly, the way Kubernetes quantities read. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** The cell a VF or hugepages had to be found on, in the words of the request's NUMA policy. */
function cellPhrase(request: PlacementRequest): string {
  return (request.numaPolicy ?? 'single-numa') === 'single-numa'
    ? 'on a NUMA cell with enough free CPUs'
    : 'on the NUMA cell holding most of the CPUs';
}

function vfPhrase(request: PlacementRequest): string {
  const pfs = request.allowedPfs?.length ? ` of ${request.allowedPfs.length === 1 ? 'PF' : 'PFs'} ${request.allowedPfs.join(', ')}` : '';
  return `had no free VF${pfs} ${cellPhrase(request)}`;
}

export function emptyCounts(): Record<RejectionKind, number> {
  const counts = {} as Record<RejectionKind, number>;
  for (const kind of REJECTION_KINDS) counts[kind] = 0;
  return counts;
}

export function describeFailure(
  request: PlacementRequest, totalNodes: number, rejections: readonly NodeRejection[],
): { reason: string; rejections: Record<RejectionKind, number> } {
  const counts = emptyCounts();
  const taints = new Map<string, number>();
  let cpuNeeds = 0;
  let cpuFree = -1;
  let budgetNeeds = Infinity;
  let budgetFree = -Infinity;
  let hugeNeeds = 0;
  let hugeFree = -1;
  for (const r of rejections) {
    counts[r.kind]++;
    if (r.kind === 'taint') taints.set(r.taint, (taints.get(r.taint) ?? 0) + 1);
    if (r.kind === 'cpus') {
      cpuNeeds = r.needs;
      cpuFree = Math.max(cpuFree, r.free);
    }
    if (r.kind === 'cpuBudget') {
      budgetNeeds = Math.min(budgetNeeds, r.needsMillis);
      budgetFree = Math.max(budgetFree, r.freeMillis);
    }
    if (r.kind === 'hugepages') {
      hugeNeeds = r.needs;
      hugeFree = Math.max(hugeFree, r.free);
    }
  }
  const single = (request.numaPolicy ?? 'single-numa') === 'single-numa';
  const parts: string[] = [];
  if (counts.notReady) parts.push(`${counts.notReady} not ready`);
  if (counts.beingRemoved) parts.push(`${counts.beingRemoved} being removed by an autoscaler`);
  if (counts.unschedulable) parts.push(`${counts.unschedulable} unschedulable`);
  if (counts.nodeSelector) parts.push(`${counts.nodeSelector} did not match the node selector`);
  for (const [taint, n] of [...taints].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    parts.push(`${n} had an untolerated taint ${taint}`);
  }
  if (counts.cpuBudget) {
    parts.push(`${counts.cpuBudget} had too little allocatable CPU left (needs ${budgetNeeds}m, most free ${Math.max(0, budgetFree)}m)`);
  }
  if (counts.cpus) {
    parts.push(`${counts.cpus} had too few free CPUs${single ? ' on any NUMA cell' : ''} (needs ${cpuNeeds}, most free ${cpuFree})`);
  }
  if (counts.vf) parts.push(`${counts.vf} ${vfPhrase(request)}`);
  if (counts.hugepages) {
    parts.push(`${counts.hugepages} had too few free hugepages ${cellPhrase(request)}`
      + ` (needs ${formatBytes(hugeNeeds)}, most free ${formatBytes(Math.max(0, hugeFree))})`);
  }
  const head = `0/${totalNodes} nodes are available`;
  const reason = totalNodes === 0 ? `${head}: no nodes.` : `${head}: ${parts.join(', ')}.`;
  return { reason, rejections: counts };
}
