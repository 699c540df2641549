// The operator's shared caches: one supervised informer per kind, made once by the manager and read
// by every controller. Who reacts to their events is declared beside each controller (its
// watches.ts) and beside the allocation book, not here.
import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../api/dataplane.ts';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { GROUP, LABELS, VERSION } from '../api/constants.ts';
import type { Logger } from '../lib/log.ts';
import { SupervisedInformer } from './runtime/informer.ts';
import { slimPod } from './slim-pod.ts';

export interface OperatorInformers {
  dataplanes: SupervisedInformer<Dataplane & k8s.KubernetesObject>;
  /** Every pod, not only ours: ordinary pods' CPU requests bound what can be dedicated on a node. */
  pods: SupervisedInformer<k8s.V1Pod>;
  nodes: SupervisedInformer<k8s.V1Node>;
  dataplaneNodes: SupervisedInformer<DataplaneNode & k8s.KubernetesObject>;
  /** The Services and PodDisruptionBudgets the operator keeps per Dataplane (its label only). */
  services: SupervisedInformer<k8s.V1Service>;
  disruptionBudgets: SupervisedInformer<k8s.V1PodDisruptionBudget>;
}

/**
 * `namespace` limits the Dataplanes (and the companions) watched. Pods, Nodes and DataplaneNodes are
 * watched cluster-wide regardless: CPUs and VFs of a node are shared by every namespace, and an
 * operator that saw only its own pods would hand out what another namespace's pods hold.
 */
export function makeInformers(kc: k8s.KubeConfig, log: Logger, namespace: string | undefined, onRestart: (resource: string) => void): OperatorInformers {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const ns = namespace;
  const supervise = (resource: string) => ({ onRestart: () => onRestart(resource) });
  const managed = `${LABELS.managedBy}=ix-operator`;
  return {
    dataplanes: new SupervisedInformer<Dataplane & k8s.KubernetesObject>(kc, ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/dataplanes` : `/apis/${GROUP}/${VERSION}/dataplanes`,
      () => (ns
        ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'dataplanes' })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanes' })) as Promise<k8s.KubernetesListObject<Dataplane & k8s.KubernetesObject>>,
      {}, log, supervise('dataplanes')),
    // Every pod of the cluster, so only what the operator reads of each (slim-pod.ts).
    pods: new SupervisedInformer<k8s.V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces(), {}, log, { ...supervise('pods'), transform: slimPod }),
    nodes: new SupervisedInformer<k8s.V1Node>(kc, '/api/v1/nodes', () => core.listNode(), {}, log, supervise('nodes')),
    dataplaneNodes: new SupervisedInformer<DataplaneNode & k8s.KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/dataplanenodes`,
      () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes' }) as Promise<k8s.KubernetesListObject<DataplaneNode & k8s.KubernetesObject>>,
      {}, log, supervise('dataplanenodes')),
    services: new SupervisedInformer<k8s.V1Service>(kc, ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services',
      () => (ns ? core.listNamespacedService({ namespace: ns, labelSelector: managed }) : core.listServiceForAllNamespaces({ labelSelector: managed })),
      {}, log, supervise('services'), managed),
    disruptionBudgets: new SupervisedInformer<k8s.V1PodDisruptionBudget>(kc, ns ? `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets` : '/apis/policy/v1/poddisruptionbudgets',
      () => (ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector: managed }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: managed })),
      {}, log, supervise('poddisruptionbudgets'), managed),
  };
}

/** Every informer, for starting and stopping them together. */
export function allInformers(i: OperatorInformers): SupervisedInformer<k8s.KubernetesObject>[] {
  return [i.dataplanes, i.pods, i.nodes, i.dataplaneNodes, i.services, i.disruptionBudgets] as SupervisedInformer<k8s.KubernetesObject>[];
}
