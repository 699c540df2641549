// Fakes for unit tests of the Dataplane controller's reconcile steps: caches that are plain maps and
// tell their watchers what changed (as the informers do), and API writes that are recorded and
// applied to those caches as the apiserver would apply them, so a second reconcile sees the first's
// work (level-based, idempotent). Pure logic only: no I/O, no timers.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Dataplane } from '../../src/api/dataplane.ts';
import type { DataplaneNode } from '../../src/api/dataplane-node.ts';
import type { InformerHandlers } from '../../src/operator/runtime/informer.ts';
import type { WatchedCache } from '../../src/operator/allocation-book.ts';
import type { DataplaneWrites } from '../../src/operator/dataplane/writes.ts';
import type { EventTarget } from '../../src/operator/events.ts';
import { allocationAnnotations, type PodAllocation } from '../../src/operator/dataplane/pod-builder.ts';
import { attachmentName } from '../../src/operator/dataplane/names.ts';

interface Named { metadata?: { name?: string; namespace?: string } }

export class FakeCache<T extends Named> implements WatchedCache<T> {
  private readonly objects = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];

  constructor(initial: readonly T[] = []) {
    for (const o of initial) this.objects.set(keyOf(o), o);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): readonly T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  put(o: T): void {
    const existed = this.objects.has(keyOf(o));
    this.objects.set(keyOf(o), o);
    for (const h of this.handlers) (existed ? h.onUpdate : h.onAdd)?.(o);
  }

  remove(o: T): void {
    if (!this.objects.delete(keyOf(o))) return;
    for (const h of this.handlers) h.onDelete?.(o);
  }
}

function keyOf(o: Named): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

export interface FakeWorld {
  dataplanes: FakeCache<Dataplane>;
  pods: FakeCache<V1Pod>;
  nodes: FakeCache<V1Node>;
  dataplaneNodes: FakeCache<DataplaneNode>;
}

/** A write as the reconciler made it: the method and the object's name. */
export interface WriteCall { write: keyof DataplaneWrites; name: string; detail?: unknown }

export class FakeWrites implements DataplaneWrites {
  readonly calls: WriteCall[] = [];
  private uid = 0;

  constructor(private readonly world: FakeWorld) {}

  /** The calls of one kind, by object name, in order. */
  names(write: keyof DataplaneWrites): string[] {
    return this.calls.filter((c) => c.write === write).map((c) => c.name);
  }

  /** Pods the apiserver has and the cache does not show yet: creating one answers 409. */
  readonly unseen = new Set<string>();

  async create(pod: V1Pod): Promise<V1Pod> {
    this.record('create', pod.metadata!.name!, pod.spec?.nodeName);
    if (this.unseen.has(pod.metadata!.name!)) throw Object.assign(new Error(`pods "${pod.metadata!.name}" already exists`), { code: 409 });
    const created = { ...pod, metadata: { ...pod.metadata, uid: `pod-uid-${++this.uid}` }, status: { phase: 'Pending' } };
    this.world.pods.put(created);
    return created;
  }

  async delete(pod: V1Pod): Promise<void> {
    this.record('delete', pod.metadata!.name!);
    this.world.pods.remove(pod);
  }

  async annotate(dp: Dataplane, pod: V1Pod, allocation: PodAllocation): Promise<void> {
    this.record('annotate', pod.metadata!.name!);
    this.world.pods.put({ ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...allocationAnnotations(dp, allocation) } } });
  }

  async setAnnotations(pod: V1Pod, annotations: Record<string, string | null>): Promise<void> {
    this.record('setAnnotations', pod.metadata!.name!, annotations);
  }

  async bind(pod: V1Pod, node: string): Promise<boolean> {
    this.record('bind', pod.metadata!.name!, node);
    const now = this.world.pods.get(pod.metadata!.name!, pod.metadata!.namespace) ?? pod;
    if (now.spec?.nodeName) return false;
    this.world.pods.put({ ...now, spec: { ...now.spec!, nodeName: node } });
    return true;
  }

  async attachVf(dp: Dataplane, vf: string): Promise<void> {
    this.record('attachVf', attachmentName(dp, vf), vf);
  }

  async markUnschedulable(pod: V1Pod, message: string): Promise<void> {
    this.record('markUnschedulable', pod.metadata!.name!, message);
  }

  async ensureTokenSecret(dp: Dataplane): Promise<void> {
    this.record('ensureTokenSecret', dp.metadata.name!);
  }

  async setFinalizer(dp: Dataplane, finalizer: string, present: boolean): Promise<void> {
    this.record('setFinalizer', dp.metadata.name!, present);
    const now = this.current(dp);
    const finalizers = (now.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (present) finalizers.push(finalizer);
    this.world.dataplanes.put({ ...now, metadata: { ...now.metadata, finalizers } });
  }

  async writeStatus(dp: Dataplane, status: unknown): Promise<void> {
    this.record('writeStatus', dp.metadata.name!, status);
    this.world.dataplanes.put({ ...this.current(dp), status: status as Dataplane['status'] });
  }

  async applyService(): Promise<void> {}

  async applyDisruptionBudget(): Promise<void> {}

  /** The object as the apiserver has it now: a write changes only its own part of it. */
  private current(dp: Dataplane): Dataplane {
    return this.world.dataplanes.get(dp.metadata.name!, dp.metadata.namespace) ?? dp;
  }

  private record(write: keyof DataplaneWrites, name: string, detail?: unknown): void {
    this.calls.push({ write, name, ...(detail === undefined ? {} : { detail }) });
  }
}

/** Events as the recorder would write them. */
export class FakeEvents {
  readonly recorded: { object: string; type: string; reason: string; message: string }[] = [];

  async record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.recorded.push({ object: target.metadata.name ?? '', type, reason, message });
  }

  reasons(): string[] {
    return this.recorded.map((e) => e.reason);
  }
}
