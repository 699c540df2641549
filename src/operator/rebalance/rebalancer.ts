// The operator's rebalancer: every few seconds it reads /v1/load of every ready dataplane pod, lets
// the pure policies (policy.ts per node, autoscale.ts per Dataplane) decide, and carries the
// decisions out: CPU grants on the pods' annotations (the source of truth) and PUT /v1/cores to
// the dataplanes, replica counts through the /scale subresource, an Event for every decision.
import type { V1Pod } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { ANNOTATIONS, API_VERSION } from '../../api/constants.ts';
import { durationMs } from '../../lib/duration.ts';
import type { Logger } from '../../lib/log.ts';
import { apiErrorMessage } from '../../lib/kube.ts';
import { formatCpuset, parseCpuset, type Allocation } from '../placement/index.ts';
import type { EventRecorder } from '../events.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { keyOf } from '../dataplane/names.ts';
import type { Cache } from '../cache.ts';
import type { PlacementAccess } from '../allocation-book.ts';
import type { PodReading } from '../readings.ts';
import { isPodReady } from '../dataplane/status.ts';
import { autoscale, type AutoscaleMemory, type ReplicaLoad } from './autoscale.ts';
import { ControlApiError, controlBase, type ControlClient, type LoadReport } from './load-client.ts';
import { isCongested, isIdle, rebalanceNode, type PodLoad, type RebalanceAction, type RebalanceThresholds } from './policy.ts';
import { actuatedCpus, blockedResize, cpusToKeep, resizeState, resizeTarget, type BlockedResize } from './grant-resources.ts';
import { summarizeLoad } from '../../dataplane/elastic/core-policy.ts';
import { unreachableBackoffMs, unreachableLogLines, type Unreachable } from './unreachable.ts';

export interface RebalancerActions {
  setCpus(pod: V1Pod, cpus: string, activeCpus: string): Promise<void>;
  /** Sets the dataplane container's CPU requests and limits (the `resize` subresource). */
  resizeCpu(pod: V1Pod, cpus: number): Promise<void>;
  scale(dp: Dataplane, replicas: number): Promise<void>;
}

export interface RebalancerDeps {
  dataplanes: Cache<Dataplane>;
  pods: Cache<V1Pod>;
  placement: PlacementAccess;
  actions: RebalancerActions;
  events: Pick<EventRecorder, 'record'>;
  control: ControlClient;
  token: (dp: Dataplane) => string;
  metrics: OperatorMetrics;
  log: Logger;
  /** Called after each round with what every pod reported (status shows p99 and active CPUs). */
  onReadings: (readings: ReadonlyMap<string, PodReading>) => void;
  intervalMs: number;
  scaleOutAfterMs: number;
  scaleInAfterMs: number;
  now?: () => number;
}

/** Loads read at once; a node of 64 pods is one round trip, a big cluster a few. */
const FETCH_CONCURRENCY = 32;

interface Observed { pod: V1Pod; dp: Dataplane; report: LoadReport; load: PodLoad }

const podTarget = (pod: V1Pod) => ({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} });
const dpTarget = (dp: Dataplane) => ({ apiVersion: API_VERSION, kind: 'Dataplane', metadata: dp.metadata });

/** The shrink that gives an Infeasible grant back to the CPUs the kubelet actuated, if it holds more. */
function infeasibleGiveBack(o: Observed): RebalanceAction | undefined {
  const actuated = actuatedCpus(o.pod);
  const granted = o.load.allocation.cpus;
  if (actuated === undefined || granted.length <= Math.max(1, Math.floor(actuated))) return undefined;
  let active: number[] = [];
  try { active = parseCpuset(o.report.activeCpus); } catch { /* none reported */ }
  const keep = cpusToKeep(granted, active, actuated);
  return {
    kind: 'shrink', podKey: o.load.podKey, allocation: { ...o.load.allocation, cpus: keep },
    released: granted.filter((c) => !keep.includes(c)),
    reason: `the kubelet cannot resize it beyond ${actuated} CPU(s): the grant follows what the kernel enforces`,
  };
}

export function thresholdsOf(dp: Dataplane): RebalanceThresholds {
  const r = dp.spec.rebalance;
  return {
    min: dp.spec.cores.min, max: dp.spec.cores.max,
    addQueueLength: r.addQueueLength, removeQueueLength: r.removeQueueLength, removeIdleFraction: r.removeIdleFraction,
    sloP99Us: durationMs(dp.spec.slo.p99) * 1000, addCooldownMs: durationMs(r.addCooldown), removeCooldownMs: durationMs(r.removeCooldown),
  };
}

export class Rebalancer {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  private readonly now: () => number;
  /** Per pod: when its grant last changed, and since when it has left granted CPUs without threads. */
  private readonly pods = new Map<string, { lastChangeAt: number; spareSince?: number; stuck?: boolean }>();
  private readonly scaling = new Map<string, AutoscaleMemory>();
  private readonly readings = new Map<string, PodReading>();
  /** Pods whose /v1/load did not answer, and when to try again (unreachableBackoffMs). */
  private readonly unreachable = new Map<string, { failures: number; retryAt: number }>();
  /** The UID each remembered pod name had: the memories above belong to that pod, not to its name. */
  private readonly podUids = new Map<string, string>();
  /** Resize warnings made for each pod (kind and kubelet's message): one event each. */
  private readonly resizeWarned = new Map<string, Set<string>>();

  constructor(private readonly d: RebalancerDeps) {
    this.now = d.now ?? (() => Date.now());
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.round = this.runOnce().catch((e: unknown) => void this.d.log.error('rebalance round failed', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => { if (!this.stopped) this.timer = setTimeout(loop, this.d.intervalMs); });
    };
    this.timer = setTimeout(loop, this.d.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round: read, decide, act (public for tests). */
  async runOnce(): Promise<void> {
    const end = this.d.metrics.rebalanceRoundTime.startTimer();
    const observed = await this.observe();
    const now = this.now();
    const byNode = new Map<string, Observed[]>();
    for (const o of observed) {
      const list = byNode.get(o.load.allocation.node) ?? [];
      list.push(o);
      byNode.set(o.load.allocation.node, list);
    }
    const work: Promise<void>[] = [];
    for (const [node, list] of byNode) work.push(...this.rebalance(node, list, now));
    await Promise.allSettled(work);
    await this.autoscaleAll(observed, now);
    this.d.onReadings(this.readings);
    end();
  }

  /** Reads every ready pod's load; pods that do not answer are left out of this round. */
  private async observe(): Promise<Observed[]> {
    const candidates: { pod: V1Pod; dp: Dataplane }[] = [];
    const seen = new Set<string>();
    const byUid = new Map<string, Dataplane>();
    for (const dp of this.d.dataplanes.list()) if (!dp.metadata.deletionTimestamp && dp.metadata.uid) byUid.set(dp.metadata.uid, dp);
    // One pass over the pods, each to its Dataplane by its controller reference.
    const now = this.now();
    for (const pod of this.d.pods.list()) {
      const uid = pod.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
      const dp = uid === undefined ? undefined : byUid.get(uid);
      if (!dp || !pod.metadata || pod.metadata.namespace !== dp.metadata.namespace) continue;
      if (pod.metadata.deletionTimestamp || !isPodReady(pod) || !pod.status?.podIP || !pod.spec?.nodeName) continue;
      if (!pod.metadata.annotations?.[ANNOTATIONS.cpus]) continue;
      const key = keyOf(pod);
      seen.add(key);
      // Replicas keep their names (ADR 0012): a pod of a known name with another UID is a new pod,
      // and inherits none of the old one's cooldowns, backoff or readings.
      if (this.podUids.get(key) !== pod.metadata.uid) {
        for (const memory of [this.pods, this.readings, this.unreachable, this.resizeWarned]) memory.delete(key);
        this.podUids.set(key, pod.metadata.uid ?? '');
      }
      if ((this.unreachable.get(key)?.retryAt ?? -Infinity) > now) continue;
      candidates.push({ pod, dp });
    }
    // What is remembered of pods that are gone (deleted, not ready) goes with them.
    for (const memory of [this.pods, this.readings, this.unreachable, this.resizeWarned, this.podUids]) for (const k of [...memory.keys()]) if (!seen.has(k)) memory.delete(k);
    const snapshot = this.d.placement.snapshot();
    const held = new Map(snapshot.allocations.map((a) => [a.podKey, a]));
    const out: Observed[] = [];
    const newlyUnreachable: Unreachable[] = [];
    for (let i = 0; i < candidates.length; i += FETCH_CONCURRENCY) {
      const batch = candidates.slice(i, i + FETCH_CONCURRENCY);
      const results = await Promise.allSettled(batch.map(({ pod, dp }) => this.d.control.load(controlBase(pod.status!.podIP!, dp.spec.controlPort), this.d.token(dp))));
      results.forEach((r, j) => {
        const { pod, dp } = batch[j]!;
        const key = keyOf(pod);
        if (r.status === 'rejected') {
          this.d.metrics.loadReadFailures.inc();
          const failures = (this.unreachable.get(key)?.failures ?? 0) + 1;
          this.unreachable.set(key, { failures, retryAt: now + unreachableBackoffMs(failures, this.d.intervalMs) });
          if (failures === 1) newlyUnreachable.push({ pod: key, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
          return;
        }
        this.unreachable.delete(key);
        const allocation = held.get(key);
        if (!allocation) return;
        const report = r.value;
        let active = report.threads.length;
        try { active = parseCpuset(report.activeCpus).length || active; } catch { /* threads count stands */ }
        const mem = this.pods.get(key) ?? { lastChangeAt: -Infinity };
        const holds = allocation.cpus.length;
        mem.spareSince = active < holds ? (mem.spareSince ?? this.now()) : undefined;
        this.pods.set(key, mem);
        const p99Us = report.queueDelayP99Us ?? Math.max(0, ...report.threads.map((t) => t.queueDelayP99Us ?? 0));
        this.readings.set(key, { p99Us, active: report.activeCpus, at: this.now() });
        out.push({
          pod, dp, report,
          load: {
            podKey: key, allocation: { ...allocation, wholeCores: dp.spec.placement.wholeCores }, active,
            ...summarizeLoad(report.threads),
            t: thresholdsOf(dp), lastChangeAt: mem.lastChangeAt, ...(mem.spareSince !== undefined ? { spareSince: mem.spareSince } : {}),
          },
        });
      });
    }
    for (const line of unreachableLogLines(newlyUnreachable)) this.d.log.warn(line.message, line.fields);
    return out;
  }

  /** Decides for one node (synchronously, so no placement can interleave) and starts the writes. */
  private rebalance(nodeName: string, list: Observed[], now: number): Promise<void>[] {
    const snapshot = this.d.placement.snapshot();
    const node = snapshot.nodes.find((n) => n.name === nodeName);
    if (!node) return [];
    const allocations = snapshot.allocations.filter((a) => a.node === nodeName);
    // A pod whose last resize the kubelet cannot make, now (Deferred) or ever (Infeasible), gets no
    // more CPUs: the cpuset would widen where the quota cannot follow. An Infeasible grant is given
    // back to what the kubelet actuated (ADR 0018).
    const blocked = new Map<string, BlockedResize>();
    for (const o of list) {
      const st = blockedResize(o.pod);
      if (st) blocked.set(o.load.podKey, st);
    }
    const actions = rebalanceNode(node, allocations, list.map((o) => o.load), now).filter((a) => !(a.kind === 'grow' && blocked.has(a.podKey)));
    for (const o of list) {
      const st = blocked.get(o.load.podKey);
      if (!st) continue;
      void this.warnResize(o, st);
      if (st.kind !== 'infeasible' || actions.some((a) => a.podKey === o.load.podKey)) continue;
      const giveBack = infeasibleGiveBack(o);
      if (giveBack) actions.push(giveBack);
    }
    const byKey = new Map(list.map((o) => [o.load.podKey, o]));
    for (const o of list) {
      const mem = this.pods.get(o.load.podKey);
      if (mem) mem.stuck = isCongested(o.load) && o.load.active >= o.load.allocation.cpus.length && o.load.allocation.cpus.length < o.load.t.max;
    }
    const work: Promise<void>[] = [];
    for (const a of actions) {
      const o = byKey.get(a.podKey)!;
      const mem = this.pods.get(a.podKey)!;
      mem.lastChangeAt = now;
      if (a.kind === 'grow') {
        mem.stuck = false;
        this.d.placement.claim(a.allocation);
        work.push(this.applyGrow(o, a.allocation, a.added, a.reason));
      } else {
        mem.spareSince = undefined;
        work.push(this.applyShrink(o, a.allocation, a.released, a.reason));
      }
    }
    const changing = new Set(actions.map((a) => a.podKey));
    // Level-based: a pod whose CPU requests and limits differ from its grant (a write that failed, an
    // operator that stopped between the two) is resized to it; not right after a change of its own,
    // while the cache may still hold one of the two writes and not the other.
    for (const o of list) {
      const target = resizeTarget(o.pod);
      const recent = now - (this.pods.get(o.load.podKey)?.lastChangeAt ?? 0) < 2 * this.d.intervalMs;
      if (target === undefined || changing.has(o.load.podKey) || recent || blocked.has(o.load.podKey) || resizeState(o.pod).kind === 'inProgress') continue;
      work.push(this.resize(o.pod, target));
    }
    // Reports of what the pods run on, where the annotation says otherwise (status shows them).
    for (const o of list) {
      if (changing.has(o.load.podKey) || !o.report.activeCpus) continue;
      if (o.pod.metadata?.annotations?.[ANNOTATIONS.activeCpus] === o.report.activeCpus) continue;
      work.push(this.d.actions.setCpus(o.pod, o.pod.metadata!.annotations![ANNOTATIONS.cpus]!, o.report.activeCpus)
        .catch((e: unknown) => void this.d.log.warn('could not record active CPUs', { pod: o.load.podKey, error: String(e) })));
    }
    return work;
  }

  /**
   * Grow: the pod's CPU requests and limits first (the kubelet raises the CFS quota, the scheduler
   * counts the CPUs; an apiserver that refuses it refuses the grow), then the annotation (the agent
   * widens the cpuset), then the dataplane is told. Quota before cpuset: the other order would
   * spread the old quota over more CPUs, throttling every thread (ADR 0018).
   */
  private async applyGrow(o: Observed, allocation: Allocation, added: number[], reason: string): Promise<void> {
    const cpus = formatCpuset(allocation.cpus);
    try {
      await this.d.actions.resizeCpu(o.pod, allocation.cpus.length);
      await this.d.actions.setCpus(o.pod, cpus, o.report.activeCpus || cpus);
    } catch (e) {
      this.d.placement.forget(o.load.podKey);
      const message = apiErrorMessage(e);
      this.d.log.warn('could not grow a pod', { pod: o.load.podKey, error: message });
      // Once a pod and message: e.g. a node whose kubelet cannot resize in place ("Pod running on
      // node without support for resize"), where a wider cpuset would only thin the same quota.
      if (this.firstWarning(o.load.podKey, `grow ${message}`)) {
        await this.d.events.record(dpTarget(o.dp), 'Warning', 'GrowRefused', `${o.pod.metadata?.name} gets no more CPUs: its resize was refused: ${message}`);
      }
      return;
    }
    this.d.metrics.coresAdded.inc(added.length);
    await this.tell(o, cpus);
    await this.record(o, 'CoresAdded', `${o.pod.metadata?.name}: ${reason}; now CPUs ${cpus}`);
  }

  /** Shrink: the dataplane first (its threads leave the CPUs), then the annotation frees them. */
  private async applyShrink(o: Observed, allocation: Allocation, released: number[], reason: string): Promise<void> {
    const cpus = formatCpuset(allocation.cpus);
    await this.tell(o, cpus);
    let active: number[] = [];
    try { active = parseCpuset(o.report.activeCpus).filter((c) => allocation.cpus.includes(c)); } catch { /* none known */ }
    try {
      await this.d.actions.setCpus(o.pod, cpus, formatCpuset(active.length ? active : allocation.cpus));
    } catch (e) {
      this.d.log.warn('could not shrink a pod', { pod: o.load.podKey, error: String(e) });
      return;
    }
    // The cpuset is narrow now; the quota follows (a failure is repaired by a later round).
    await this.resize(o.pod, allocation.cpus.length);
    this.d.metrics.coresRemoved.inc(released.length);
    await this.record(o, 'CoresRemoved', `${o.pod.metadata?.name}: ${reason}; now CPUs ${cpus}`);
  }

  /** One Warning a pod and kubelet message: the resize the grant needs is not made. */
  private async warnResize(o: Observed, st: BlockedResize): Promise<void> {
    if (!this.firstWarning(o.load.podKey, `${st.kind} ${st.message}`)) return;
    const what = st.kind === 'infeasible' ? 'cannot be resized on its node (Infeasible): its grant goes back to what the kubelet gives, and it gets no more CPUs there' : 'waits for room on its node (resize Deferred): it gets no more CPUs until the kubelet makes it';
    await this.d.events.record(dpTarget(o.dp), 'Warning', st.kind === 'infeasible' ? 'ResizeInfeasible' : 'ResizeDeferred', `${o.pod.metadata?.name} ${what}: ${st.message}`);
  }

  /** True the first time a pod meets this warning; a pod's warnings go with the pod (observe). */
  private firstWarning(podKey: string, what: string): boolean {
    const seen = this.resizeWarned.get(podKey) ?? new Set<string>();
    if (seen.has(what)) return false;
    this.resizeWarned.set(podKey, seen.add(what));
    return true;
  }

  private async resize(pod: V1Pod, cpus: number): Promise<void> {
    try {
      await this.d.actions.resizeCpu(pod, cpus);
    } catch (e) {
      this.d.log.warn('could not resize a pod to its grant', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, cpus, error: apiErrorMessage(e) });
    }
  }

  /** PUT /v1/cores. A failure is not fatal: the dataplane also reads its grant from the annotations file. */
  private async tell(o: Observed, cpus: string): Promise<void> {
    try {
      await this.d.control.setCores(controlBase(o.pod.status!.podIP!, o.dp.spec.controlPort), this.d.token(o.dp), cpus);
    } catch (e) {
      this.d.log.warn('dataplane not told of its new CPUs; it will read them from its annotations file', { pod: o.load.podKey, error: String(e) });
      if (e instanceof ControlApiError && e.status === 401) {
        await this.d.events.record(podTarget(o.pod), 'Warning', 'ControlTokenRejected',
          `the dataplane refused the operator's control token: its Secret ${o.dp.metadata.name}-control-token holds another token (delete the Secret and the pods to renew it)`);
      }
    }
  }

  private async record(o: Observed, reason: string, message: string): Promise<void> {
    await this.d.events.record(dpTarget(o.dp), 'Normal', reason, message);
  }

  private async autoscaleAll(observed: Observed[], now: number): Promise<void> {
    const byDp = new Map<string, Observed[]>();
    for (const o of observed) {
      const k = keyOf(o.dp);
      byDp.set(k, [...(byDp.get(k) ?? []), o]);
    }
    for (const dp of this.d.dataplanes.list()) {
      const bounds = dp.spec.rebalance.autoscale;
      const key = keyOf(dp);
      if (!bounds?.enabled || dp.metadata.deletionTimestamp) {
        this.scaling.delete(key);
        continue;
      }
      const mem = this.scaling.get(key) ?? { lastScaleAt: -Infinity };
      this.scaling.set(key, mem);
      const loads: ReplicaLoad[] = (byDp.get(key) ?? []).map((o) => ({
        held: o.load.allocation.cpus.length, maxCpus: o.load.t.max, minCpus: o.load.t.min, active: o.load.active, idle: o.load.idle,
        congested: isCongested(o.load), idleEnough: isIdle(o.load), stuck: this.pods.get(o.load.podKey)?.stuck ?? false,
      }));
      const decision = autoscale(bounds, dp.spec.replicas, loads, mem, now, { outAfterMs: this.d.scaleOutAfterMs, inAfterMs: this.d.scaleInAfterMs });
      if (decision.action === 'hold') continue;
      try {
        await this.d.actions.scale(dp, decision.to);
        this.d.metrics.scaleChanges.inc({ direction: decision.action });
        await this.d.events.record(dpTarget(dp), 'Normal', decision.action === 'out' ? 'ScaledOut' : 'ScaledIn', decision.reason);
      } catch (e) {
        this.d.log.warn('could not scale a Dataplane', { dataplane: key, error: String(e) });
      }
    }
  }
}
