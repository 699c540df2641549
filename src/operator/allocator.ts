// The operator's view of who holds which CPU and VF: what the pod cache says (the annotations are
// the truth) plus "assumed" allocations of pods it has just created or annotated but the cache has
// not shown yet. Without the assumed part, a second placement right after the first would not see
// the first and could hand out the same CPUs (kube-scheduler keeps an assume cache for the same reason).
import type { V1Pod } from '@kubernetes/client-node';
import type { Allocation } from './placement/index.ts';
import { allocationsFromPods, type AllocationView } from './allocations.ts';

const ASSUME_TTL_MS = 5 * 60_000;

export class Allocator {
  private readonly assumed = new Map<string, { allocation: Allocation; at: number }>();

  assume(allocation: Allocation): void {
    this.assumed.set(allocation.podKey, { allocation, at: Date.now() });
  }

  /** Whether this is exactly what was assumed for its pod (same node, CPUs and VF). */
  isAssumed(allocation: Allocation): boolean {
    const a = this.assumed.get(allocation.podKey)?.allocation;
    return !!a && a.node === allocation.node && a.vf === allocation.vf && sameCpus(a.cpus, allocation.cpus);
  }

  /** The pod was deleted, or its creation failed: it holds nothing we assumed. */
  forget(podKey: string): void {
    this.assumed.delete(podKey);
  }

  /**
   * Every allocation: from the cached pods, and assumed ones the cache does not show yet. With
   * `node`, only the pods that `pods` lists and the assumed allocations on that node.
   */
  view(pods: readonly V1Pod[], node?: string): AllocationView {
    const view = allocationsFromPods(pods);
    const cached = new Map(view.allocations.map((a, i) => [a.podKey, i]));
    const now = Date.now();
    for (const [key, { allocation, at }] of this.assumed) {
      const i = cached.get(key);
      if (now - at > ASSUME_TTL_MS) {
        this.assumed.delete(key);
      } else if (i === undefined) {
        if (node === undefined || allocation.node === node) view.allocations.push(allocation);
      } else {
        const seen = view.allocations[i]!;
        // The cache shows what was assumed: it is authoritative from now on. Until then (a pod the
        // rebalancer grew, say), the pod holds both what the cache shows and what it was given.
        if (sameCpus(seen.cpus, allocation.cpus)) this.assumed.delete(key);
        else view.allocations[i] = { ...seen, cpus: [...new Set([...seen.cpus, ...allocation.cpus])].sort((a, b) => a - b) };
      }
    }
    return view;
  }

  get assumedCount(): number {
    return this.assumed.size;
  }
}

function sameCpus(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  return sa.every((v, i) => v === sb[i]);
}
