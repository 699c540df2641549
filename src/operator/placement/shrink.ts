// Shrinking a placed pod: which of its CPUs to give back when the rebalancer takes cores away.
import { topologyOf } from './topology.ts';
import type { Allocation, PlacementNode } from './types.ts';

export type ShrinkResult =
  | { ok: true; release: number[]; keep: number[]; allocation: Allocation }
  | { ok: false; reason: string };

/**
 * Chooses n CPUs of `allocation` to release. Siblings go together. First CPUs off the pod's own NUMA
 * cell (a prefer-single-numa pod spanning cells gets back to one cell, and its cell keeps the
 * majority its VF was chosen by), then CPUs of cores the pod holds only in part (giving them back
 * makes a core whole for someone else), then complete cores; highest ids first within each, so the
 * pod stays packed at the low end of its cell where placement started it. With
 * wholeCores the count is rounded up to whole cores; without it a core is split only for the last
 * few CPUs. A pod keeps at least one CPU. Throws RangeError when n is not a positive integer.
 */
export function shrink(node: PlacementNode, allocation: Allocation, n: number): ShrinkResult {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`shrink: n must be a positive integer, got ${n}`);
  const topology = topologyOf(node);
  const wholeCores = allocation.wholeCores ?? true;
  const held = new Set(allocation.cpus);
  const groups = new Map<string, { ids: number[]; local: boolean; complete: boolean }>();
  for (const id of held) {
    const core = topology.coreOfCpu.get(id);
    // A CPU the node does not have is its own group; it counts as a broken remote core and goes first.
    const key = core ? core.key : `unknown:${id}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        ids: [],
        local: core?.numa === allocation.numa,
        complete: core ? core.cpus.every((c) => held.has(c)) : false,
      };
      groups.set(key, group);
    }
    group.ids.push(id);
  }
  const highest = (ids: number[]): number => Math.max(...ids);
  const order = [...groups.values()].sort((a, b) =>
    Number(a.local) - Number(b.local) || Number(a.complete) - Number(b.complete) || highest(b.ids) - highest(a.ids));

  const release: number[] = [];
  let left = n;
  for (const group of order) {
    if (left <= 0) break;
    const ids = [...group.ids].sort((a, b) => b - a);
    const count = wholeCores ? ids.length : Math.min(ids.length, left);
    release.push(...ids.slice(0, count));
    left -= count;
  }
  if (release.length >= held.size) {
    return {
      ok: false,
      reason: `pod ${allocation.podKey} holds ${held.size} CPUs; releasing ${n}`
        + `${wholeCores && release.length !== n ? ` (${release.length} in whole cores)` : ''} would leave it none`,
    };
  }
  const released = new Set(release);
  const keep = [...held].filter((id) => !released.has(id)).sort((a, b) => a - b);
  release.sort((a, b) => a - b);
  return { ok: true, release, keep, allocation: { ...allocation, cpus: keep } };
}
