import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../../src/api/dataplane.ts';
import type { DataplaneNode } from '../../src/api/dataplane-node.ts';
import { ANNOTATIONS } from '../../src/api/constants.ts';
import { log } from '../../src/lib/log.ts';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';
import { Operator, type OperatorOptions } from '../../src/operator/manager.ts';
import { parseCpuset, checkAllocations, type Allocation } from '../../src/operator/placement/index.ts';
import { allocationsFromPods } from '../../src/operator/allocations.ts';
import { placementNodes } from '../../src/operator/inventory.ts';
import type { TestCluster } from './cluster.ts';

export const POOL_LABEL = 'ix.dev/test-pool';

const running = new Set<Operator>();

/**
 * Starts an operator in this process against the test cluster. The test file stops them all with a
 * top-level `after(stopOperators)`: an after() registered here would belong to whichever test is
 * running and stop the operator when that test ends.
 */
export async function startOperator(tc: TestCluster, opts: { identity?: string } & Partial<OperatorOptions> = {}): Promise<Operator> {
  const { identity, ...overrides } = opts;
  const op = new Operator({
    // A KubeConfig of its own, as a separate operator process would have.
    kubeConfig: loadKubeConfig(tc.kubeconfigPath), log, defaultImage: 'registry.invalid/ix-operator:test', leaderElection: true,
    leaseNamespace: tc.namespace, leaseName: 'ix-operator', watchNamespace: tc.namespace, identity: identity ?? `test-${process.pid}`, metricsAddress: undefined,
    // No rebalancing unless a test asks: kwok pods have no dataplane to read a load from.
    rebalanceIntervalMs: 0,
    ...overrides,
  });
  await op.start();
  running.add(op);
  return op;
}

export async function stopOperator(op: Operator): Promise<void> {
  running.delete(op);
  await op.stop();
}

export async function stopOperators(): Promise<void> {
  await Promise.all([...running].map(stopOperator));
}

export function dataplaneManifest(tc: TestCluster, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', metadata: { name, namespace: tc.namespace },
    spec: { ...spec, placement: { nodeSelector: { [POOL_LABEL]: tc.namespace }, ...(spec.placement as object | undefined) } },
  };
}

export async function createDataplane(tc: TestCluster, name: string, spec: Record<string, unknown>): Promise<void> {
  const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({ group: 'ix.dev', version: 'v1alpha1', namespace: tc.namespace, plural: 'dataplanes', body: dataplaneManifest(tc, name, spec) });
}

export async function getDataplane(tc: TestCluster, name: string): Promise<Dataplane> {
  const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({ group: 'ix.dev', version: 'v1alpha1', namespace: tc.namespace, plural: 'dataplanes', name })) as Dataplane;
}

export async function podsOf(tc: TestCluster, name: string): Promise<k8s.V1Pod[]> {
  return (await tc.core.listNamespacedPod({ namespace: tc.namespace, labelSelector: `ix.dev/dataplane=${name}` })).items;
}

/** Waits until the Dataplane has exactly `n` bound Running pods (none terminating) and returns them. */
export async function waitForRunningPods(tc: TestCluster, name: string, n: number, timeoutMs = 60_000): Promise<k8s.V1Pod[]> {
  return waitFor(`${n} running pods of ${name}`, async () => {
    const pods = await podsOf(tc, name);
    const running = pods.filter((p) => p.spec?.nodeName && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    return running.length === n && pods.length === n ? running : undefined;
  }, timeoutMs);
}

/** Every ix allocation in the cluster, checked for any CPU or VF held twice (or other violation). */
export async function allocationViolations(tc: TestCluster): Promise<{ allocations: Allocation[]; violations: string[] }> {
  const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const pods = (await tc.core.listPodForAllNamespaces()).items;
  const dpns = ((await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes' })) as { items: DataplaneNode[] }).items;
  const dataplanes = ((await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanes' })) as { items: Dataplane[] }).items;
  const nodes = (await tc.core.listNode()).items;
  const view = allocationsFromPods(pods);
  // A pod does not record its Dataplane's wholeCores; without it every replica of a wholeCores: false
  // Dataplane that holds one hyperthread would read as a partial core. A pod whose Dataplane is
  // gone (still terminating) is not judged on it.
  const wholeCores = new Map(dataplanes.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d.spec.placement?.wholeCores !== false]));
  const allocations = view.allocations.map((a) => ({ ...a, wholeCores: wholeCores.get(a.dataplaneKey) ?? false }));
  const violations = checkAllocations(placementNodes(dpns, nodes, pods), allocations).map((v) => JSON.stringify(v));
  return { allocations: view.allocations, violations: [...violations, ...view.invalid.map((i) => `${i.pod}: ${i.error}`)] };
}

export const cpusOf = (pod: k8s.V1Pod): number[] => parseCpuset(pod.metadata?.annotations?.[ANNOTATIONS.cpus] ?? '');

/**
 * What the placer had to go on, for an assertion message: each node of the test's pool with its
 * Ready condition and whether its DataplaneNode exists, and the operator's placement events.
 */
export async function placementDiagnosis(tc: TestCluster): Promise<string> {
  const nodes = (await tc.core.listNode({ labelSelector: `${POOL_LABEL}=${tc.namespace}` })).items;
  const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const inventories = new Set(((await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes' })) as { items: { metadata: { name: string } }[] }).items.map((d) => d.metadata.name));
  const events = (await tc.core.listNamespacedEvent({ namespace: tc.namespace })).items
    .filter((e) => e.reason === 'Placed' || e.reason === 'FailedPlacement')
    .map((e) => `${e.involvedObject.name}: ${e.message}`);
  const nodeLines = nodes.map((n) => {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    return `${n.metadata?.name} Ready=${ready?.status} (${ready?.reason}, since ${ready?.lastTransitionTime?.toISOString?.() ?? ready?.lastTransitionTime}) inventory=${inventories.has(n.metadata!.name!)} allocatable cpu=${n.status?.allocatable?.cpu} taints=${JSON.stringify(n.spec?.taints ?? [])}`;
  });
  return `nodes: ${nodeLines.join('; ')}; events: ${events.join('; ')}`;
}
