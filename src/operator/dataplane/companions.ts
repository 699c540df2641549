// Keeps a Dataplane's headless Service and PodDisruptionBudget as the builders describe them: level
// based, from the caches; a write only when an object is missing or drifted. Both carry the
// Dataplane's controller reference, so the garbage collector removes them with it.
import type { V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { API_VERSION } from '../../api/constants.ts';
import type { EventRecorder } from '../events.ts';
import { buildDisruptionBudget } from './disruption-budget-builder.ts';
import { companionState } from './companion-state.ts';
import type { DataplaneWrites } from './writes.ts';
import { buildService } from './service-builder.ts';

export interface CompanionCache<T> {
  get(name: string, namespace?: string): T | undefined;
}

export interface CompanionDeps {
  services: CompanionCache<V1Service>;
  disruptionBudgets: CompanionCache<V1PodDisruptionBudget>;
  actions: Pick<DataplaneWrites, 'applyService' | 'applyDisruptionBudget'>;
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

/**
 * Names of the companions that could not be written because another object holds the name. The
 * Service and the budget are independent: written at once, so a new Dataplane pays one round trip
 * for both, not four.
 */
export async function ensureCompanions(dp: Dataplane, d: CompanionDeps): Promise<string[]> {
  const ns = dp.metadata.namespace;
  const target = { apiVersion: API_VERSION, kind: 'Dataplane', metadata: dp.metadata };
  const service = buildService(dp);
  const budget = buildDisruptionBudget(dp);
  const [serviceBlocked, budgetBlocked] = await Promise.all([
    ensureOne(companionState(dp, d.services.get(service.metadata!.name!, ns), service, serviceSpec), `Service ${service.metadata!.name}`, async (state) => {
      await d.actions.applyService(service);
      await d.events.record(target, 'Normal', state === 'missing' ? 'ServiceCreated' : 'ServiceUpdated', `headless Service ${service.metadata!.name}: ports ${dp.spec.port} (memcache), ${dp.spec.controlPort} (metrics)`);
    }),
    ensureOne(companionState(dp, d.disruptionBudgets.get(budget.metadata!.name!, ns), budget, budgetSpec), `PodDisruptionBudget ${budget.metadata!.name}`, async (state) => {
      await d.actions.applyDisruptionBudget(budget);
      await d.events.record(target, 'Normal', state === 'missing' ? 'DisruptionBudgetCreated' : 'DisruptionBudgetUpdated', `PodDisruptionBudget ${budget.metadata!.name}: at most ${String(budget.spec!.maxUnavailable)} replica(s) evicted at once`);
    }),
  ]);
  const blocked = [serviceBlocked, budgetBlocked].filter((b): b is string => b !== undefined);
  if (blocked.length) await d.events.record(target, 'Warning', 'NameTaken', `${blocked.join(' and ')} exist(s) and belong(s) to something else: not touched`);
  return blocked;
}

/** Writes a companion that is missing or drifted; the name of one that belongs to something else. */
async function ensureOne(state: ReturnType<typeof companionState>, what: string, write: (state: 'missing' | 'drifted') => Promise<void>): Promise<string | undefined> {
  if (state === 'missing' || state === 'drifted') await write(state);
  return state === 'foreign' ? what : undefined;
}
