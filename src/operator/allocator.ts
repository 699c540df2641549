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
    const seen = new Set(view.allocations.map((a) => a.podKey));
    const now = Date.now();
    for (const [key, { allocation, at }] of this.assumed) {
      // Seen in the cache with its allocation: the cache is authoritative from now on.
      if (seen.has(key) || now - at > ASSUME_TTL_MS) this.assumed.delete(key);
      else if (node === undefined || allocation.node === node) view.allocations.push(allocation);
    }
    return view;
  }

  get assumedCount(): number {
    return this.assumed.size;
  }
}
