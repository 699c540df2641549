import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { dataplane } from './fixtures.ts';
import { buildService } from '../../../src/operator/dataplane/service-builder.ts';
import { buildDisruptionBudget } from '../../../src/operator/dataplane/disruption-budget-builder.ts';
import { companionState } from '../../../src/operator/dataplane/companion-state.ts';
import { ensureCompanions } from '../../../src/operator/dataplane/companions.ts';
import { buildPod } from '../../../src/operator/dataplane/pod-builder.ts';

const owner = { apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'cache', uid: 'uid-1', controller: true, blockOwnerDeletion: true };

describe('buildService', () => {
  it('is headless, selects the Dataplane\'s pods, and names the data and metrics ports', () => {
    const svc = buildService(dataplane({ port: 11311, controlPort: 9200 }));
    assert.equal(svc.metadata?.name, 'cache');
    assert.equal(svc.metadata?.namespace, 'ns');
    assert.deepEqual(svc.metadata?.ownerReferences, [owner]);
    assert.equal(svc.metadata?.labels?.['app.kubernetes.io/managed-by'], 'ix-operator', 'the operator watches only what it labels');
    assert.equal(svc.spec?.clusterIP, 'None');
    assert.deepEqual(svc.spec?.selector, { 'ix.dev/dataplane': 'cache' });
    assert.equal(svc.spec?.publishNotReadyAddresses, false);
    assert.deepEqual(svc.spec?.ports, [
      { name: 'memcache', port: 11311, targetPort: 11311, protocol: 'TCP' },
      { name: 'metrics', port: 9200, targetPort: 9200, protocol: 'TCP' },
    ]);
  });

  it('matches the pods\' hostname and subdomain, so <pod>.<dataplane>.<namespace>.svc resolves', () => {
    const pod = buildPod({ dp: dataplane(), name: 'cache-2', specHash: 'h', defaultImage: 'img' });
    assert.equal(pod.spec?.hostname, 'cache-2');
    assert.equal(pod.spec?.subdomain, buildService(dataplane()).metadata?.name);
    assert.deepEqual(pod.metadata?.ownerReferences, [owner]);
  });
});

describe('buildDisruptionBudget', () => {
  it('lets evictions take one replica at a time by default, or what the spec says', () => {
    const pdb = buildDisruptionBudget(dataplane());
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(pdb.metadata?.name, 'cache');
    assert.deepEqual(pdb.metadata?.ownerReferences, [owner]);
    assert.equal(pdb.spec?.maxUnavailable, 1);
    assert.deepEqual(pdb.spec?.selector, { matchLabels: { 'ix.dev/dataplane': 'cache' } });
    assert.equal(pdb.spec?.minAvailable, undefined, 'only one of the two may be set');
    assert.equal(buildDisruptionBudget(dataplane({ disruptionBudget: { maxUnavailable: 3, doNotDisrupt: 'Never' } })).spec?.maxUnavailable, 3);
  });
});

describe('companionState', () => {
  const dp = dataplane();
  const project = (s: V1Service) => ({ ports: s.spec?.ports, selector: s.spec?.selector });
  const want = buildService(dp);
  it('tells missing, current, drifted and foreign apart', () => {
    assert.equal(companionState(dp, undefined, want, project), 'missing');
    const served: V1Service = { ...want, spec: { ...want.spec, clusterIPs: ['None'], ipFamilies: ['IPv4'] } };
    assert.equal(companionState(dp, served, want, project), 'current', 'fields the API server fills in are no drift');
    const edited: V1Service = { ...want, spec: { ...want.spec, ports: [] } };
    assert.equal(companionState(dp, edited, want, project), 'drifted');
    const relabelled: V1Service = { ...want, metadata: { ...want.metadata, labels: {} } };
    assert.equal(companionState(dp, relabelled, want, project), 'drifted');
    const theirs: V1Service = { ...want, metadata: { ...want.metadata, ownerReferences: [{ ...owner, uid: 'someone-else' }] } };
    assert.equal(companionState(dp, theirs, want, project), 'foreign');
  });
});

describe('ensureCompanions', () => {
  function harness(services: V1Service[], budgets: V1PodDisruptionBudget[]) {
    const applied: string[] = [];
    const events: string[] = [];
    const byName = <T extends { metadata?: { name?: string } }>(list: T[]) => ({ get: (name: string) => list.find((o) => o.metadata?.name === name) });
    const deps = {
      services: byName(services), disruptionBudgets: byName(budgets),
      actions: {
        applyService: async (s: V1Service) => void applied.push(`Service ${s.metadata?.name}`),
        applyDisruptionBudget: async (b: V1PodDisruptionBudget) => void applied.push(`PodDisruptionBudget ${b.metadata?.name}`),
      },
      events: { record: async (_t: unknown, type: string, reason: string) => void events.push(`${type} ${reason}`) },
    };
    return { deps, applied, events };
  }

  it('creates what is missing, leaves what is current, and writes nothing twice', async () => {
    const dp = dataplane();
    const first = harness([], []);
    assert.deepEqual(await ensureCompanions(dp, first.deps), []);
    assert.deepEqual(first.applied, ['Service cache', 'PodDisruptionBudget cache']);
    assert.deepEqual(first.events, ['Normal ServiceCreated', 'Normal DisruptionBudgetCreated']);
    const again = harness([buildService(dp)], [buildDisruptionBudget(dp)]);
    await ensureCompanions(dp, again.deps);
    assert.deepEqual(again.applied, [], 'level-based: nothing to do, no write');
  });

  it('follows a changed budget, and leaves objects that are not its own alone', async () => {
    const dp = dataplane({ disruptionBudget: { maxUnavailable: 2, doNotDisrupt: 'Never' } });
    const foreign = { ...buildService(dp), metadata: { name: 'cache', namespace: 'ns' } };
    const h = harness([foreign], [buildDisruptionBudget(dataplane())]);
    assert.deepEqual(await ensureCompanions(dp, h.deps), ['Service cache']);
    assert.deepEqual(h.applied, ['PodDisruptionBudget cache']);
    assert.deepEqual(h.events, ['Normal DisruptionBudgetUpdated', 'Warning NameTaken']);
  });
});
