// The pods of the cluster by one key (the controlling owner's UID, the node), kept from the pod
// informer's events, so that a reconcile reads the pods it is about instead of filtering them all:
// with 10,000 pods a filter on every visit made reconciling quadratic in the cluster's size.
import type { V1Pod } from '@kubernetes/client-node';
import type { WatchedCache } from './allocation-book.ts';
import { keyOf } from './dataplane/names.ts';

export class PodIndex {
  private readonly byKey = new Map<string, Map<string, V1Pod>>();
  /** The index key each pod is filed under, to move it when that changes. */
  private readonly keyOfPod = new Map<string, string>();

  /** `indexKey` undefined: the pod is not filed. Register before the informer starts, to hear its list. */
  constructor(pods: WatchedCache<V1Pod>, private readonly indexKey: (pod: V1Pod) => string | undefined) {
    pods.addHandlers({ onAdd: (p) => this.put(p), onUpdate: (p) => this.put(p), onDelete: (p) => this.remove(keyOf(p)) });
  }

  get(key: string): V1Pod[] {
    const pods = this.byKey.get(key);
    return pods ? [...pods.values()] : [];
  }

  private put(pod: V1Pod): void {
    const podKey = keyOf(pod);
    const key = this.indexKey(pod);
    if (this.keyOfPod.get(podKey) !== key) this.remove(podKey);
    if (key === undefined) return;
    let pods = this.byKey.get(key);
    if (!pods) this.byKey.set(key, (pods = new Map()));
    pods.set(podKey, pod);
    this.keyOfPod.set(podKey, key);
  }

  private remove(podKey: string): void {
    const key = this.keyOfPod.get(podKey);
    if (key === undefined) return;
    this.keyOfPod.delete(podKey);
    const pods = this.byKey.get(key);
    pods?.delete(podKey);
    if (pods?.size === 0) this.byKey.delete(key);
  }
}

/** The UID of the pod's controlling owner. */
export const controllerUid = (pod: V1Pod): string | undefined => pod.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
