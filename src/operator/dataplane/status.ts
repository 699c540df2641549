// Pure computation of a Dataplane's status from its pods and the last placement outcome.
import type { V1Pod } from '@kubernetes/client-node';
import type { Dataplane, DataplaneStatus } from '../../api/dataplane.ts';
import { ANNOTATIONS } from '../../api/constants.ts';
import { parseCpuset } from '../placement/index.ts';
import { durationMs } from '../../lib/duration.ts';
import { setCondition, type ConditionInput } from './conditions.ts';
import { selectorOf } from './names.ts';
import { replicaAddress, serverList } from './addresses.ts';
import { blockedResize, type BlockedResize } from '../rebalance/grant-resources.ts';

export const CONDITIONS = { ready: 'Ready', placed: 'Placed', progressing: 'Progressing', coresEnforced: 'CoresEnforced' } as const;

export const isPodReady = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

const countCpus = (set: string | undefined): number => (set ? parseCpuset(set).length : 0);

export interface StatusInput {
  dp: Dataplane;
  /** Pods of the Dataplane that are not terminating. */
  pods: readonly V1Pod[];
  specHash: string;
  /** Why some replicas could not be placed (kube-scheduler style), if any. */
  unplaced?: { count: number; reason: string };
  now: Date;
  /** p99 queuing delay each pod (by name) last reported to the rebalancer. */
  p99?: ReadonlyMap<string, string>;
}

export function computeStatus({ dp, pods, specHash, unplaced, now, p99 }: StatusInput): DataplaneStatus {
  const gen = dp.metadata.generation ?? 0;
  const want = dp.spec.replicas;
  const ready = pods.filter(isPodReady).length;
  const updated = pods.filter((p) => p.metadata?.annotations?.[ANNOTATIONS.specHash] === specHash).length;
  const podP99 = (p: V1Pod): string | undefined => p99?.get(p.metadata!.name!) ?? dp.status?.pods?.find((s) => s.name === p.metadata?.name)?.p99;
  const worst = pods.map(podP99).filter((v): v is string => !!v).sort((a, b) => durationMs(b) - durationMs(a))[0];
  const status: DataplaneStatus = {
    ...(dp.status ?? {}),
    observedGeneration: gen,
    replicas: pods.length,
    readyReplicas: ready,
    updatedReplicas: updated,
    selector: selectorOf(dp),
    coresAllocated: pods.reduce((n, p) => n + countCpus(p.metadata?.annotations?.[ANNOTATIONS.cpus]), 0),
    ...(worst ? { p99: worst } : {}),
    coresActive: pods.reduce((n, p) => n + countCpus(p.metadata?.annotations?.[ANNOTATIONS.activeCpus]), 0),
    pods: [...pods].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')).map((p) => {
      const ann = p.metadata?.annotations ?? {};
      const { name, ...address } = replicaAddress(dp, p);
      return {
        name,
        ...address,
        ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
        ...(ann[ANNOTATIONS.numa] !== undefined ? { numa: Number(ann[ANNOTATIONS.numa]) } : {}),
        ...(ann[ANNOTATIONS.cpus] ? { cpus: ann[ANNOTATIONS.cpus] } : {}),
        ...(ann[ANNOTATIONS.activeCpus] ? { activeCpus: ann[ANNOTATIONS.activeCpus] } : {}),
        ...(ann[ANNOTATIONS.vf] ? { vf: ann[ANNOTATIONS.vf] } : {}),
        ready: isPodReady(p),
        ...(podP99(p) ? { p99: podP99(p)! } : {}),
      };
    }),
  };
  if (!worst) delete status.p99;
  status.servers = serverList(dp, pods.filter(isPodReady));
  let conditions = status.conditions;
  conditions = unplaced && unplaced.count > 0
    ? setCondition(conditions, { type: CONDITIONS.placed, status: 'False', reason: 'InsufficientResources', message: `${unplaced.count} replica(s) cannot be placed: ${unplaced.reason}` }, gen, now)
    : setCondition(conditions, { type: CONDITIONS.placed, status: 'True', reason: 'AllReplicasPlaced', message: `${pods.length} replica(s) placed with dedicated cores` }, gen, now);
  const settled = pods.length === want && updated === want && ready === want;
  conditions = settled
    ? setCondition(conditions, { type: CONDITIONS.progressing, status: 'False', reason: 'Settled', message: `${want} replica(s) up to date` }, gen, now)
    : setCondition(conditions, {
      type: CONDITIONS.progressing, status: 'True',
      reason: updated < pods.length ? 'RollingUpdate' : pods.length < want ? 'ScalingUp' : pods.length > want ? 'ScalingDown' : 'WaitingForReady',
      message: `${pods.length} pod(s), ${updated} up to date, ${ready} ready, ${want} wanted`,
    }, gen, now);
  conditions = ready >= want && settled
    ? setCondition(conditions, { type: CONDITIONS.ready, status: 'True', reason: want === 0 ? 'ScaledToZero' : 'AllReplicasReady', message: `${ready}/${want} replicas ready` }, gen, now)
    : setCondition(conditions, { type: CONDITIONS.ready, status: 'False', reason: unplaced?.count ? 'Unschedulable' : 'ReplicasNotReady', message: `${ready}/${want} replicas ready` }, gen, now);
  conditions = setCondition(conditions, coresEnforced(pods), gen, now);
  status.conditions = conditions;
  return status;
}

/**
 * Whether the kubelets enforce every grant (ADR 0018): False while a pod's resize to its grant is
 * Deferred (no room on the node yet) or Infeasible (the node cannot resize it; the grant goes back),
 * naming the pods and the kubelet's words.
 */
function coresEnforced(pods: readonly V1Pod[]): ConditionInput {
  const stuck = pods.map((p) => ({ name: p.metadata?.name ?? '', st: blockedResize(p) }))
    .filter((x): x is { name: string; st: BlockedResize } => x.st !== undefined);
  if (stuck.length === 0) {
    return { type: CONDITIONS.coresEnforced, status: 'True', reason: 'ResizedToGrants', message: 'every replica\'s CPU requests, limits and quota follow its granted CPUs' };
  }
  const infeasible = stuck.some((x) => x.st.kind === 'infeasible');
  return {
    type: CONDITIONS.coresEnforced, status: 'False', reason: infeasible ? 'ResizeInfeasible' : 'ResizeDeferred',
    message: stuck.map((x) => `${x.name}: resize ${x.st.kind}${x.st.message ? ` (${x.st.message})` : ''}`).join('; ') + ': no more CPUs are granted to these replicas until their kubelet can resize them',
  };
}
