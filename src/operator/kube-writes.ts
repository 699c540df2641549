// The operator's API writes, against the apiserver: the Dataplane controller's (DataplaneWrites) and
// the rebalancer's (RebalancerActions). The one implementation of both; each write is idempotent.
import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../api/dataplane.ts';
import { ANNOTATIONS, API_VERSION, FIELD_MANAGER } from '../api/constants.ts';
import { httpStatusOf } from '../lib/kube.ts';
import { allocationAnnotations, type PodAllocation } from './dataplane/pod-builder.ts';
import type { DataplaneWrites } from './dataplane/writes.ts';
import type { RebalancerActions } from './rebalance/rebalancer.ts';
import { attachmentName, tokenSecretName } from './dataplane/names.ts';
import { ownerReference } from './dataplane/owner.ts';
import { resizeBody } from './rebalance/grant-resources.ts';

const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

export class KubeWrites implements DataplaneWrites, RebalancerActions {
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly policy: k8s.PolicyV1Api;

  constructor(kc: k8s.KubeConfig) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.policy = kc.makeApiClient(k8s.PolicyV1Api);
  }

  /** The Dataplane's headless Service (server-side apply: creates it, or puts our fields back). */
  async applyService(service: k8s.V1Service): Promise<void> {
    const { name, namespace } = service.metadata as { name: string; namespace: string };
    await this.core.patchNamespacedService({ name, namespace, fieldManager: FIELD_MANAGER, force: true, body: service }, apply);
  }

  /** The Dataplane's PodDisruptionBudget, the same way. */
  async applyDisruptionBudget(budget: k8s.V1PodDisruptionBudget): Promise<void> {
    const { name, namespace } = budget.metadata as { name: string; namespace: string };
    await this.policy.patchNamespacedPodDisruptionBudget({ name, namespace, fieldManager: FIELD_MANAGER, force: true, body: budget }, apply);
  }

  async create(pod: k8s.V1Pod): Promise<k8s.V1Pod> {
    return this.core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod, fieldManager: FIELD_MANAGER });
  }

  /** Records a new allocation on a pending pod (server-side apply of the annotations only). */
  async annotate(dp: Dataplane, pod: k8s.V1Pod, allocation: PodAllocation): Promise<void> {
    await this.core.patchNamespacedPod({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, fieldManager: FIELD_MANAGER, force: true,
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace, annotations: allocationAnnotations(dp, allocation) } },
    }, apply);
  }

  /** Sets (a value) or removes (null) annotations of a pod, leaving the others alone. */
  async setAnnotations(pod: k8s.V1Pod, annotations: Record<string, string | null>): Promise<void> {
    await this.core.patchNamespacedPod({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, fieldManager: FIELD_MANAGER,
      body: { metadata: { annotations } },
    }, merge);
  }

  /**
   * A running pod's new grant (and the CPUs its dataplane reports running on). A merge patch of two
   * annotations: an apply of only these would drop the other annotations this field manager owns.
   */
  async setCpus(pod: k8s.V1Pod, cpus: string, activeCpus: string): Promise<void> {
    await this.core.patchNamespacedPod({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, fieldManager: FIELD_MANAGER,
      body: { metadata: { annotations: { [ANNOTATIONS.cpus]: cpus, [ANNOTATIONS.activeCpus]: activeCpus } } },
    }, merge);
  }

  /**
   * The dataplane container's CPU requests and limits, equal to its grant, through the `resize`
   * subresource (in place: the kubelet changes the CFS quota with no restart; ADR 0018).
   */
  async resizeCpu(pod: k8s.V1Pod, cpus: number): Promise<void> {
    await this.core.patchNamespacedPodResize({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, fieldManager: FIELD_MANAGER, body: resizeBody(cpus),
    }, strategic);
  }

  /** Sets the replica count through the /scale subresource, as an HPA would. */
  async scale(dp: Dataplane, replicas: number): Promise<void> {
    await this.custom.patchNamespacedCustomObjectScale({
      group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanes', namespace: dp.metadata.namespace!, name: dp.metadata.name!, fieldManager: FIELD_MANAGER,
      body: { spec: { replicas } },
    }, merge);
  }

  /** Binds the pod to its node through the binding subresource, as a scheduler does. False: it was bound already. */
  async bind(pod: k8s.V1Pod, node: string): Promise<boolean> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      await this.core.createNamespacedPodBinding({ name, namespace, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } } });
      return true;
    } catch (e) {
      // 409: already bound (a retry after the first bind went through).
      if (httpStatusOf(e) !== 409) throw e;
      return false;
    }
  }

  /**
   * The Dataplane's NetworkAttachmentDefinition for the VF at this PCI address (host-device CNI by
   * PCI address; Multus ignores a deviceID chosen in the pod annotation, see docs/adr/0003), which
   * every replica whose VF has that address names. Written before the pods that name it, so it is
   * there when the kubelet runs the CNI chain; owned by the Dataplane. A create, the cheap write;
   * one of that name already there (a Dataplane of the same name deleted and made again, whose
   * attachment the garbage collector has not removed yet, or one edited by hand) is applied over,
   * which makes it this Dataplane's and puts its configuration back.
   */
  async attachVf(dp: Dataplane, vf: string): Promise<void> {
    const name = attachmentName(dp, vf);
    const namespace = dp.metadata.namespace!;
    const body = {
      apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition',
      metadata: { name, namespace, ownerReferences: [ownerReference(dp)] },
      spec: { config: JSON.stringify({ cniVersion: '1.0.0', name, type: 'host-device', pciBusID: vf }) },
    };
    const nads = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace };
    try {
      await this.custom.createNamespacedCustomObject({ ...nads, fieldManager: FIELD_MANAGER, body });
    } catch (e) {
      if (httpStatusOf(e) !== 409) throw e;
      await this.custom.patchNamespacedCustomObject({ ...nads, name, fieldManager: FIELD_MANAGER, force: true, body }, apply);
    }
  }

  /** Says on the pod why it waits (what a cluster autoscaler looks for), unless it says so already. */
  async markUnschedulable(pod: k8s.V1Pod, message: string): Promise<void> {
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message) return;
    await this.core.patchNamespacedPodStatus({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!,
      body: { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: new Date() }] } },
    }, strategic);
  }

  async delete(pod: k8s.V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { preconditions: { uid: pod.metadata!.uid } } });
    } catch (e) {
      if (httpStatusOf(e) !== 404 && httpStatusOf(e) !== 409) throw e;
    }
  }

  /**
   * The Secret with the bearer token of the pods' control API (see ../control-token.ts); created once.
   * The operator may only create Secrets (chart RBAC): it never reads or deletes anyone's, and this
   * one goes with its Dataplane through the garbage collector.
   */
  async ensureTokenSecret(dp: Dataplane, token: string): Promise<void> {
    const name = tokenSecretName(dp);
    const namespace = dp.metadata.namespace!;
    try {
      await this.core.createNamespacedSecret({
        namespace, fieldManager: FIELD_MANAGER,
        body: {
          metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'ix-operator' }, ownerReferences: [{ apiVersion: API_VERSION, kind: 'Dataplane', name: dp.metadata.name!, uid: dp.metadata.uid!, controller: true }] },
          type: 'Opaque',
          stringData: { token },
        },
      });
    } catch (e) {
      if (httpStatusOf(e) !== 409) throw e;
    }
  }

  /** Adds (present) or removes (absent) our finalizer; server-side apply touches only our own entry. */
  /**
   * Adds or removes our finalizer with a JSON patch that first tests the Dataplane's UID. Not an
   * apply: an apply creates what it does not find, so one sent from a stale cache after the
   * Dataplane was deleted would try to make a new Dataplane of that name. Here a Dataplane that is
   * gone answers 404, which is done, and one deleted and made again under the name fails the test.
   */
  async setFinalizer(dp: Dataplane, finalizer: string, present: boolean): Promise<void> {
    const list = dp.metadata.finalizers ?? [];
    const at = list.indexOf(finalizer);
    if (present === at >= 0) return;
    const ops: object[] = [{ op: 'test', path: '/metadata/uid', value: dp.metadata.uid }];
    if (present) ops.push(list.length ? { op: 'add', path: '/metadata/finalizers/-', value: finalizer } : { op: 'add', path: '/metadata/finalizers', value: [finalizer] });
    else ops.push({ op: 'test', path: `/metadata/finalizers/${at}`, value: finalizer }, { op: 'remove', path: `/metadata/finalizers/${at}` });
    try {
      await this.custom.patchNamespacedCustomObject({
        group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanes', namespace: dp.metadata.namespace!, name: dp.metadata.name!, fieldManager: FIELD_MANAGER, body: ops,
      }, jsonPatch);
    } catch (e) {
      if (httpStatusOf(e) === 404) return;
      throw e;
    }
  }

  /**
   * The whole status, replaced in one JSON patch. Only the operator writes a Dataplane's status, so
   * server-side apply's field ownership buys nothing here, and on a custom resource it cost the
   * apiserver about twice a patch's CPU (bench:operator's profile: applies of custom resources'
   * status were a quarter of the apiserver's time at 1,000 pods; ADR 0023).
   */
  async writeStatus(dp: Dataplane, status: unknown): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus({
      group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanes', namespace: dp.metadata.namespace!, name: dp.metadata.name!, fieldManager: FIELD_MANAGER,
      body: [{ op: 'add', path: '/status', value: status }],
    }, jsonPatch);
  }
}
