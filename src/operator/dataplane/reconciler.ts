// The Dataplane reconciler: level-based and idempotent. Every visit reads the caches, compares what
// is with what the spec asks, and takes the next steps: place and bind pending replicas, create
// missing ones under their ordinals, remove the highest ordinals on scale-in, roll outdated ones one
// at a time, and publish status.
// Placement goes through the allocation book (../allocation-book.ts), which decides synchronously
// and makes each decision visible to the next before the cache catches up, so several workers can
// reconcile different Dataplanes at once.
import type { V1Pod, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { ANNOTATIONS, API_VERSION, FINALIZER } from '../../api/constants.ts';
import type { Logger } from '../../lib/log.ts';
import { httpStatusOf } from '../../lib/kube.ts';
import type { Allocation, PlacementOutcome, PlacementRequest } from '../placement/index.ts';
import { allocationOfPod, holdsResources } from '../allocations.ts';
import type { AllocationBook } from '../allocation-book.ts';
import type { PodIndex } from '../pod-index.ts';
import type { Cache } from '../cache.ts';
import type { EventRecorder } from '../events.ts';
import { formatP99, type PodReadings } from '../readings.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import { attachmentName, keyOf, splitKey } from './names.ts';
import { nextToReplace, ordinalPodName, planMembership } from './ordinals.ts';
import { buildPod, type PodAllocation } from './pod-builder.ts';
import { protectionPatch } from './disruption-annotations.ts';
import { ensureCompanions } from './companions.ts';
import type { DataplaneWrites } from './writes.ts';
import { computeStatus, isPodReady } from './status.ts';
import { podSpecHash, stableJson } from './spec-hash.ts';

export interface DataplaneReconcilerDeps {
  dataplanes: Cache<Dataplane>;
  pods: Cache<V1Pod>;
  /** The pods by their controlling owner's UID. */
  podsByOwner: Pick<PodIndex, 'get'>;
  /** The operator's Services and PodDisruptionBudgets (label app.kubernetes.io/managed-by=ix-operator). */
  services: Cache<V1Service>;
  disruptionBudgets: Cache<V1PodDisruptionBudget>;
  allocations: Pick<AllocationBook, 'place' | 'forget'>;
  /** What the rebalancer last read from each pod: the p99 status shows. */
  readings: Pick<PodReadings, 'get'>;
  actions: DataplaneWrites;
  events: Pick<EventRecorder, 'record'>;
  log: Logger;
  defaultImage: string;
  /** The bearer token of a Dataplane's control API (derived from its UID). */
  controlToken: (dp: Dataplane) => string;
}

/** While replicas wait for room, look again this often even if no node changes. */
const UNPLACED_RETRY_MS = 15_000;
/** API writes for new pods run this many at a time. */
const WRITE_CONCURRENCY = 16;

const dpTarget = (dp: Dataplane) => ({ apiVersion: API_VERSION, kind: 'Dataplane', metadata: dp.metadata });
const podTarget = (pod: V1Pod) => ({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} });

export class DataplaneReconciler {
  /** Dataplanes (by UID) whose token Secret exists; asking again on every visit would double the API writes. */
  private readonly tokenSecrets = new Set<string>();
  /**
   * The VF attachments each Dataplane (by UID) has, by name: written (or being written) by this
   * process, each once. Replicas created together that need the same one share its write.
   */
  private readonly attachments = new Map<string, Map<string, Promise<void>>>();

  constructor(private readonly d: DataplaneReconcilerDeps) {}

  /** Pods the Dataplane controls (by owner UID: a re-created Dataplane of the same name owns nothing old). */
  ownedPods(dp: Dataplane): V1Pod[] {
    return this.d.podsByOwner.get(dp.metadata.uid!);
  }

  reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const { namespace, name } = splitKey(key);
    const dp = this.d.dataplanes.get(name, namespace);
    if (!dp) return; // deleted: owned objects go with it
    const owned = this.ownedPods(dp);
    if (dp.metadata.deletionTimestamp) return this.finalize(dp, owned);
    // The finalizer, the token Secret, the Service and the budget are written while the pods are:
    // no pod waits on them. A pod whose Secret is not there yet waits for it in the kubelet; pods
    // made before the finalizer are still the Dataplane's and go with it (owner references), while
    // their cores stay held until they are gone. A failed write fails the visit once the pods' are
    // done, and the next visit makes what is missing.
    const setup = Promise.all([this.ensureFinalizer(dp), this.ensureTokenSecret(dp), ensureCompanions(dp, this.d)]);
    setup.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled

    const hash = podSpecHash(dp, this.d.defaultImage);
    // Failed pods are replaced; terminating ones still hold their cores until they are gone.
    for (const p of owned) if (!holdsResources(p) && !p.metadata?.deletionTimestamp) await this.d.actions.delete(p);
    let live = owned.filter((p) => !p.metadata?.deletionTimestamp && holdsResources(p));
    const unplaced: string[] = [];

    // 1. Replicas created earlier that still wait for room, or were placed but not yet bound.
    for (const pod of live) {
      if (pod.spec?.nodeName) continue;
      const held = allocationOfPod(pod);
      if (held) {
        await this.bindPlaced(dp, pod, held);
        continue;
      }
      const outcome = this.placeOne(dp, keyOf(pod));
      if (outcome.ok) {
        await this.d.actions.annotate(dp, pod, outcome);
        await this.bindPlaced(dp, pod, outcome.allocation);
      } else {
        unplaced.push(outcome.reason);
        await this.d.actions.markUnschedulable(pod, outcome.reason);
      }
    }

    // 2. Missing replicas, under their ordinals: decide all placements first (pure, in order), then
    // write in parallel. An ordinal whose old pod is still terminating waits for it to go (ADR 0012).
    // A name is taken by a pod that is there and not one of the live replicas (read by name, not by listing the namespace).
    const taken = { has: (podName: string) => { const p = this.d.pods.get(podName, namespace); return !!p && !live.includes(p); } };
    const plan = planMembership({ dataplane: name, replicas: dp.spec.replicas, live, taken });
    // Judged now, against the cache the plan saw: once this visit's creates have been awaited, the
    // cache holds the pods they made, which are in neither `live` nor `owned`, and each would read
    // as a name some other pod holds (bench:operator saw a false NameTaken on a quarter of new Dataplanes).
    const blocked = blockedOrdinals(dp, live, taken, this.ownedNames(owned));
    // The pods this visit made, as the apiserver answered: the status counts them now, so the visit
    // their add events bring finds it written already (one status write fewer per new Dataplane).
    const created: V1Pod[] = [];
    if (plan.create.length) {
      const plans = plan.create.map((i) => {
        const podName = ordinalPodName(name, i);
        return { name: podName, outcome: this.placeOne(dp, `${namespace}/${podName}`) };
      });
      await inBatches(plans, WRITE_CONCURRENCY, async (p) => {
        const pod = await this.createReplica(dp, p.name, hash, p.outcome);
        if (pod) created.push(pod);
      });
      for (const p of plans) if (!p.outcome.ok) unplaced.push(p.outcome.reason);
    }
    if (blocked.length) await this.d.events.record(dpTarget(dp), 'Warning', 'NameTaken', `${blocked.join(', ')}: a pod of that name exists and is not this Dataplane's; the replica waits for the name`);

    // 3. Extra replicas: the highest ordinals go first, then pods from before ordinals.
    if (plan.remove.length) {
      await Promise.all(plan.remove.map((p) => this.d.actions.delete(p)));
      await this.d.events.record(dpTarget(dp), 'Normal', 'ScaledDown', `removed ${plan.remove.map((v) => v.metadata?.name).join(', ')} (${dp.spec.replicas} replica(s) wanted: ordinals 0..${dp.spec.replicas - 1})`);
      live = live.filter((p) => !plan.remove.includes(p));
    }

    // The autoscalers' do-not-disrupt annotations follow the policy and each replica's cores.
    await inBatches(live, WRITE_CONCURRENCY, async (p) => {
      const patch = protectionPatch(dp, p);
      if (patch) await this.d.actions.setAnnotations(p, patch);
    });

    // 4. Rolling update, at most one replica unavailable: replace an outdated pod once all others
    // serve. Pods from before ordinals count as outdated: each is replaced by the next free ordinal.
    const outdated = live.filter((p) => p.metadata?.annotations?.[ANNOTATIONS.specHash] !== hash || plan.unnumbered.includes(p));
    if (outdated.length && live.length === dp.spec.replicas) {
      const victim = nextToReplace(name, outdated, isPodReady, live.every(isPodReady));
      if (victim) {
        await this.d.actions.delete(victim);
        const why = plan.unnumbered.includes(victim) ? 'it has no ordinal name' : `its spec is outdated (${outdated.length} outdated); it comes back under the same name`;
        await this.d.events.record(dpTarget(dp), 'Normal', 'RollingUpdate', `replacing ${victim.metadata?.name}: ${why}`);
      }
    }

    // 5. Status, written only when it changed (a write would wake every watcher for nothing).
    const reason = unplaced[0];
    const p99 = new Map<string, string>();
    for (const p of live) {
      const r = this.d.readings.get(keyOf(p));
      if (r) p99.set(p.metadata!.name!, formatP99(r.p99Us));
    }
    const status = computeStatus({ dp, pods: [...live, ...created], specHash: hash, unplaced: reason ? { count: unplaced.length, reason } : undefined, now: new Date(), p99 });
    if (stableJson(status) !== stableJson(dp.status ?? {})) await this.d.actions.writeStatus(dp, status);
    const [, , companionsBlocked] = await setup;
    return unplaced.length || blocked.length || companionsBlocked.length ? { requeueAfterMs: UNPLACED_RETRY_MS } : undefined;
  };

  private async ensureFinalizer(dp: Dataplane): Promise<void> {
    if (!dp.metadata.finalizers?.includes(FINALIZER)) await this.d.actions.setFinalizer(dp, FINALIZER, true);
  }

  private async ensureTokenSecret(dp: Dataplane): Promise<void> {
    if (this.tokenSecrets.has(dp.metadata.uid!)) return;
    await this.d.actions.ensureTokenSecret(dp, this.d.controlToken(dp));
    this.tokenSecrets.add(dp.metadata.uid!);
  }

  private ownedNames(owned: readonly V1Pod[]): Set<string> {
    return new Set(owned.map((p) => p.metadata!.name!));
  }

  /** Places one replica (synchronously, through the allocation book). */
  private placeOne(dp: Dataplane, podKey: string): PlacementOutcome {
    return this.d.allocations.place(placementRequest(dp, podKey));
  }

  /**
   * A new replica. Placed: its VF attachment first (unless an earlier replica's VF had the same
   * address), then the pod created bound to its node, so the kubelet finds the attachment when it
   * starts the pod (no binding round trip).
   * Unplaced: the pod is created Pending and says why, for people and cluster autoscalers.
   */
  /** The pod created, or undefined when one of its name was there already. */
  private async createReplica(dp: Dataplane, name: string, hash: string, outcome: PlacementOutcome): Promise<V1Pod | undefined> {
    const allocation: PodAllocation | undefined = outcome.ok ? outcome.allocation : undefined;
    let pod: V1Pod;
    try {
      if (allocation?.vf) await this.attachment(dp, allocation.vf);
      pod = await this.d.actions.create(buildPod({ dp, name, specHash: hash, defaultImage: this.d.defaultImage, allocation }));
    } catch (e) {
      if (outcome.ok) this.d.allocations.forget(outcome.podKey);
      // The pod exists already: made by the last visit, and not in the cache yet. Its add event
      // brings the Dataplane back here, with the pod in view; nothing failed.
      if (httpStatusOf(e) === 409) return undefined;
      throw e;
    }
    if (outcome.ok) this.recordPlaced(pod, outcome.allocation);
    else {
      await this.d.actions.markUnschedulable(pod, outcome.reason);
      await this.d.events.record(dpTarget(dp), 'Warning', 'FailedPlacement', `${name}: ${outcome.reason}`);
    }
    return pod;
  }

  /**
   * The Dataplane's attachment of the VF at this address, written once: by the first replica that
   * needs it, the others wait for that write. A failed write is forgotten, so the next visit tries
   * again. (An attachment deleted by hand under a live Dataplane is not noticed until the operator
   * restarts; the owner reference keeps the garbage collector from doing so.)
   */
  private attachment(dp: Dataplane, vf: string): Promise<void> {
    const uid = dp.metadata.uid!;
    let written = this.attachments.get(uid);
    if (!written) this.attachments.set(uid, (written = new Map()));
    const name = attachmentName(dp, vf);
    let write = written.get(name);
    if (!write) {
      write = this.d.actions.attachVf(dp, vf);
      written.set(name, write);
      write.catch(() => written.delete(name));
    }
    return write;
  }

  /** A pod that was created before it could be placed: its attachment, then its binding. */
  private async bindPlaced(dp: Dataplane, pod: V1Pod, a: Allocation): Promise<void> {
    if (a.vf) await this.attachment(dp, a.vf);
    // A pod whose binding was still in flight at the last visit is bound already: no second event.
    if (await this.d.actions.bind(pod, a.node)) this.recordPlaced(pod, a);
  }

  /**
   * The Placed event, as kube-scheduler records Scheduled. Not awaited: it informs a reader and
   * decides nothing, so the next replica's writes need not wait for it (the recorder logs a failure).
   */
  private recordPlaced(pod: V1Pod, a: Allocation): void {
    void this.d.events.record(podTarget(pod), 'Normal', 'Placed',
      `placed on ${a.node}, NUMA cell ${a.numa}, CPUs ${a.cpus.join(',')}${a.vf ? `, VF ${a.vf}` : ''}`);
  }

  /** Deletion: remove the pods and wait until they are gone, so their cores are free when the Dataplane is. */
  private async finalize(dp: Dataplane, owned: V1Pod[]): Promise<ReconcileResult | void> {
    if (!dp.metadata.finalizers?.includes(FINALIZER)) return;
    for (const p of owned) if (!p.metadata?.deletionTimestamp) await this.d.actions.delete(p);
    if (owned.length > 0) return { requeueAfterMs: 2_000 };
    // The token Secret is owned by the Dataplane: the garbage collector removes it (the operator
    // has no right to delete Secrets).
    this.tokenSecrets.delete(dp.metadata.uid!);
    this.attachments.delete(dp.metadata.uid!);
    await this.d.actions.setFinalizer(dp, FINALIZER, false);
  }
}

export function placementRequest(dp: Dataplane, podKey: string): PlacementRequest {
  const s = dp.spec;
  return {
    podKey,
    dataplaneKey: keyOf(dp),
    cpus: s.cores.min,
    maxCpus: s.cores.max,
    needVf: !!s.network?.resourceName,
    ...(s.network?.allowedPfs ? { allowedPfs: s.network.allowedPfs } : {}),
    ...(s.placement.nodeSelector ? { nodeSelector: s.placement.nodeSelector } : {}),
    ...(s.placement.tolerations ? { tolerations: s.placement.tolerations } : {}),
    numaPolicy: s.network?.numaPolicy ?? 'single-numa',
    wholeCores: s.placement.wholeCores,
  };
}

/** Ordinals below replicas that are missing because a pod that is not this Dataplane's holds the name. */
function blockedOrdinals(dp: Dataplane, live: readonly V1Pod[], taken: Pick<ReadonlySet<string>, 'has'>, owned: ReadonlySet<string>): string[] {
  const names = new Set(live.map((p) => p.metadata?.name));
  const blocked: string[] = [];
  for (let i = 0; i < dp.spec.replicas; i++) {
    const n = ordinalPodName(dp.metadata.name!, i);
    if (!names.has(n) && taken.has(n) && !owned.has(n)) blocked.push(n);
  }
  return blocked;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  for (let i = 0; i < items.length; i += size) {
    const results = await Promise.allSettled(items.slice(i, i + size).map(fn));
    for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
  }
  if (errors.length) throw errors[0];
}

