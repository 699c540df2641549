// The operator's rebalancer policy for one node, pure: from what each dataplane pod reported on
// /v1/load and what the pods hold, decide which pods grow and which give CPUs back.
//
// Two levels, as in the brief: inside a pod the local controller runs between cores.min threads and
// as many threads as it has granted CPUs, every 100 ms. Out here, every few seconds:
//   - a pod that runs a thread on every granted CPU and is still congested gets more CPUs (up to
//     cores.max): free CPUs of its NUMA cell first;
//   - if there are none, an idle pod of the same cell above its min gives one core up; the
//     congested pod gets it in a later round, once the cache shows it released (never two holders);
//   - a pod whose local controller left granted CPUs without threads for a cooldown gives them back
//     to the node's shared pool, keeping one CPU of headroom unless it is idle ("needed + 1", brief §5).
import { isCongested as threadsCongested, isQuiet, type CongestionSummary, type CorePolicyConfig } from '../../dataplane/elastic/core-policy.ts';
import { grow, shrink, type Allocation, type PlacementNode } from '../placement/index.ts';

/** The same thresholds the pod's local controller runs by (cores.min/max as min/max). */
export type RebalanceThresholds = CorePolicyConfig;

export interface PodLoad extends CongestionSummary {
  podKey: string;
  /** What the pod holds now (the cache, plus what the operator assumed). */
  allocation: Allocation;
  /** Threads running, from /v1/load. */
  active: number;
  t: RebalanceThresholds;
  /** When the rebalancer last changed this pod's grant. */
  lastChangeAt: number;
  /** Since when the pod has run fewer threads than it holds CPUs, without a break; undefined: it has not. */
  spareSince?: number;
}

export type RebalanceAction =
  | { kind: 'grow'; podKey: string; allocation: Allocation; added: number[]; reason: string }
  | { kind: 'shrink'; podKey: string; allocation: Allocation; released: number[]; reason: string; forPod?: string };

// The pod's own predicates (core-policy.ts), on the summary of its threads (summarizeLoad: mean
// queue and idle, worst delay): the rebalancer calls a pod congested exactly when its local
// controller would add a thread if it had a CPU to put it on.
export const isCongested = (p: PodLoad): boolean => threadsCongested(p, p.t);

export const isIdle = (p: PodLoad): boolean => isQuiet(p, p.t);

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const loadText = (p: PodLoad) => `queue ${fmt(p.queueLength)}, queuing delay ${Math.round(p.queueDelayUs)}us, idle ${Math.round(p.idle * 100)}%`;

/**
 * Fewest CPUs `p` may be cut to: its min, and one more than it runs threads on. shrinkTo() returns
 * the largest cut that keeps at least that many (with whole cores, a cut is whole cores).
 */
function shrinkTo(node: PlacementNode, p: PodLoad, keepAtLeast: number): { release: number[]; allocation: Allocation } | undefined {
  const held = p.allocation.cpus.length;
  for (let n = held - keepAtLeast; n >= 1; n--) {
    const r = shrink(node, p.allocation, n);
    if (r.ok && r.keep.length >= keepAtLeast) return { release: r.release, allocation: r.allocation };
  }
  return undefined;
}

export function rebalanceNode(node: PlacementNode, allocations: readonly Allocation[], pods: readonly PodLoad[], now: number): RebalanceAction[] {
  const shrinks: RebalanceAction[] = [];
  const grows: RebalanceAction[] = [];
  // Allocations as they will be once this round's decisions are applied (grows only: a release
  // counts after the cache shows it).
  let current = [...allocations];
  const touched = new Set<string>();

  // 1. Give back what the local controller left unused for a cooldown.
  for (const p of pods) {
    const held = p.allocation.cpus.length;
    // An idle pod keeps what it runs on; a busier one a CPU of headroom its local controller can
    // take at once, before the next round could grant one.
    const keep = Math.max(p.t.min, Math.min(held, p.active + (isIdle(p) ? 0 : 1)));
    if (p.spareSince === undefined || held <= keep) continue;
    if (now - p.spareSince < p.t.removeCooldownMs || now - p.lastChangeAt < p.t.removeCooldownMs) continue;
    const cut = shrinkTo(node, p, keep);
    if (!cut) continue;
    touched.add(p.podKey);
    shrinks.push({
      kind: 'shrink', podKey: p.podKey, allocation: cut.allocation, released: cut.release,
      reason: `${p.active} of ${held} CPUs running threads for ${fmt((now - p.spareSince) / 1000)}s (${loadText(p)}): ${cut.release.length} CPU(s) back to the shared pool`,
    });
  }

  // 2. Grow the congested pods that use all they hold, the most congested first.
  const congested = pods
    .filter((p) => !touched.has(p.podKey) && isCongested(p) && p.active >= p.allocation.cpus.length && p.allocation.cpus.length < p.t.max)
    .filter((p) => now - p.lastChangeAt >= p.t.addCooldownMs)
    .sort((a, b) => b.queueLength - a.queueLength || b.queueDelayUs - a.queueDelayUs);
  const donors = new Set<string>();
  for (const p of congested) {
    const g = grow(node, current, p.podKey, 1);
    const why = `all ${p.allocation.cpus.length} CPUs running threads and congested (${loadText(p)}; adds above queue ${p.t.addQueueLength} or delay ${Math.round(p.t.sloP99Us / 2)}us)`;
    if (g.ok && g.allocation.cpus.length <= p.t.max) {
      current = current.map((a) => (a.podKey === p.podKey ? g.allocation : a));
      touched.add(p.podKey);
      grows.push({ kind: 'grow', podKey: p.podKey, allocation: g.allocation, added: g.added, reason: `${why}: CPU(s) ${g.added.join(',')} added` });
      continue;
    }
    if (g.ok) continue; // only a whole core would fit, and it would pass cores.max
    // 3. No free CPU on its cell: the idlest pod of the cell above its min gives up one core.
    const donor = pods
      .filter((d) => d.podKey !== p.podKey && !touched.has(d.podKey) && !donors.has(d.podKey) && d.allocation.numa === p.allocation.numa)
      .filter((d) => isIdle(d) && d.allocation.cpus.length > d.t.min && now - d.lastChangeAt >= d.t.removeCooldownMs)
      .sort((a, b) => b.idle - a.idle || (b.allocation.cpus.length - b.t.min) - (a.allocation.cpus.length - a.t.min))[0];
    if (!donor) continue;
    const cut = shrinkTo(node, donor, Math.max(donor.t.min, donor.allocation.cpus.length - 1));
    if (!cut) continue;
    donors.add(donor.podKey);
    touched.add(donor.podKey);
    shrinks.push({
      kind: 'shrink', podKey: donor.podKey, allocation: cut.allocation, released: cut.release, forPod: p.podKey,
      reason: `idle (${loadText(donor)}) while ${p.podKey} is congested and NUMA cell ${p.allocation.numa} has no free CPU: ${cut.release.length} CPU(s) given up for it`,
    });
  }
  // Releases first: a CPU is never promised before the pod holding it was told to let go.
  return [...shrinks, ...grows];
}
