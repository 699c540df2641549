// What of a pod, a Node or a DataplaneNode the placer reads, as one string per object. The
// allocation book rebuilds its placement inputs (every pod's allocation, every node's hardware and
// budget: O(pods + nodes)) only when one of these moves. Most events move none of it: kwok's and
// the kubelet's node heartbeats, a pod going Running, the operator's own summary in a
// DataplaneNode's status, the add of a pod the book itself placed. At 10,000 pods a rebuild on every
// event made placement quadratic in the cluster's size.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { ANNOTATIONS, LABELS } from '../api/constants.ts';
import { holdsResources } from './allocations.ts';
import { isNodeReady, podCpuRequestMillis } from './inventory.ts';

/** A dataplane pod: what its annotations hold. Any other pod: the CPU it requests on its node. */
export function podPlacementInput(pod: V1Pod): string {
  if (!holdsResources(pod)) return 'done';
  const ann = pod.metadata?.annotations ?? {};
  if (pod.metadata?.labels?.[LABELS.dataplane]) {
    return JSON.stringify([pod.spec?.nodeName ?? '', ann[ANNOTATIONS.node], ann[ANNOTATIONS.numa], ann[ANNOTATIONS.cpus], ann[ANNOTATIONS.vf]]);
  }
  return JSON.stringify([pod.spec?.nodeName ?? '', podCpuRequestMillis(pod)]);
}

/** Readiness, cordon, labels, taints and allocatable CPU: what node-filter.ts and the budget read. */
export function nodePlacementInput(node: V1Node): string {
  return JSON.stringify([isNodeReady(node), node.spec?.unschedulable ?? false, node.metadata?.labels ?? {}, node.spec?.taints ?? [], node.status?.allocatable?.cpu]);
}

/** The inventory is the spec (the agent's); the generation moves exactly when it does. */
export function inventoryPlacementInput(dpn: DataplaneNode): string {
  return `${dpn.metadata.uid}/${dpn.metadata.generation}`;
}

/**
 * The last input seen of each object, by key: says whether an add or an update moved it.
 * A delete always moves it (forget).
 */
export class PlacementInputs<T> {
  private readonly last = new Map<string, string>();

  constructor(private readonly inputOf: (o: T) => string, private readonly keyOf: (o: T) => string) {}

  /** Records the object's input; true if it differs from the last one seen (or none was). */
  moved(o: T): boolean {
    const key = this.keyOf(o);
    const input = this.inputOf(o);
    if (this.last.get(key) === input) return false;
    this.last.set(key, input);
    return true;
  }

  forget(o: T): void {
    this.last.delete(this.keyOf(o));
  }
}
