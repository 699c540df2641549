// Keeps a Dataplane's headless Service and PodDisruptionBudget as the builders describe them: level
// based, from the caches; a write only when an object is missing or drifted. Both carry the
// Dataplane's controller reference, so the garbage collector removes them with it.
import type { V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { API_VERSION } from '../../api/constants.ts';
import type { EventRecorder } from '../events.ts';
import { buildDisruptionBudget } from './disruption-budget-builder.ts';
import { companionState } from './companion-state.ts';
import type { PodActions } from './pod-actions.ts';
import { buildService } from './service-builder.ts';

export interface CompanionCache<T> {
  get(name: string, namespace?: string): T | undefined;
}

export interface CompanionDeps {
  services: CompanionCache<V1Service>;
  disruptionBudgets: CompanionCache<V1PodDisruptionBudget>;
  actions: Pick<PodActions, 'applyService' | 'applyDisruptionBudget'>;
  events: Pick<EventRecorder, 'record'>;
}

const serviceSpec = (s: V1Service) => {
  const spec = s.spec ?? {};
  return {
    clusterIP: spec.clusterIP, selector: spec.selector, publishNotReadyAddresses: spec.publishNotReadyAddresses ?? false,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? 'TCP' })),
  };
};
const budgetSpec = (b: V1PodDisruptionBudget) => ({
  maxUnavailable: b.spec?.maxUnavailable, selector: b.spec?.selector?.matchLabels, unhealthyPodEvictionPolicy: b.spec?.unhealthyPodEvictionPolicy,
});

/** Names of the companions that could not be written because another object holds the name. */
export async function ensureCompanions(dp: Dataplane, d: CompanionDeps): Promise<string[]> {
  const ns = dp.metadata.namespace;
  const target = { apiVersion: API_VERSION, kind: 'Dataplane', metadata: dp.metadata };
  const blocked: string[] = [];
  const service = buildService(dp);
  const serviceState = companionState(dp, d.services.get(service.metadata!.name!, ns), service, serviceSpec);
  if (serviceState === 'missing' || serviceState === 'drifted') {
    await d.actions.applyService(service);
    await d.events.record(target, 'Normal', serviceState === 'missing' ? 'ServiceCreated' : 'ServiceUpdated', `headless Service ${service.metadata!.name}: ports ${dp.spec.port} (memcache), ${dp.spec.controlPort} (metrics)`);
  } else if (serviceState === 'foreign') blocked.push(`Service ${service.metadata!.name}`);
  const budget = buildDisruptionBudget(dp);
  const budgetState = companionState(dp, d.disruptionBudgets.get(budget.metadata!.name!, ns), budget, budgetSpec);
  if (budgetState === 'missing' || budgetState === 'drifted') {
    await d.actions.applyDisruptionBudget(budget);
    await d.events.record(target, 'Normal', budgetState === 'missing' ? 'DisruptionBudgetCreated' : 'DisruptionBudgetUpdated', `PodDisruptionBudget ${budget.metadata!.name}: at most ${String(budget.spec!.maxUnavailable)} replica(s) evicted at once`);
  } else if (budgetState === 'foreign') blocked.push(`PodDisruptionBudget ${budget.metadata!.name}`);
  if (blocked.length) await d.events.record(target, 'Warning', 'NameTaken', `${blocked.join(' and ')} exist(s) and belong(s) to something else: not touched`);
  return blocked;
}
