// Wires the operator together: informers (supervised), the Dataplane controller, leader election
// and the HTTP endpoints. Only the leader reconciles; followers keep warm caches and answer probes.
import * as k8s from '@kubernetes/client-node';
import os from 'node:os';
import type { Dataplane } from '../api/dataplane.ts';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { ANNOTATIONS, GROUP, LABELS, VERSION } from '../api/constants.ts';
import type { Logger } from '../lib/log.ts';
import { Allocator } from './allocator.ts';
import { DataplaneReconciler } from './dataplane/reconciler.ts';
import { DataplaneNodeReconciler } from './dataplanenode/reconciler.ts';
import { PodActions } from './dataplane/pod-actions.ts';
import { keyOf } from './dataplane/names.ts';
import { CONDITIONS } from './dataplane/status.ts';
import { EventRecorder } from './events.ts';
import { instrument } from './instrument.ts';
import { OperatorMetrics } from './metrics.ts';
import { controlToken, loadTokenKey } from './control-token.ts';
import { httpControlClient } from './rebalance/load-client.ts';
import { Rebalancer } from './rebalance/rebalancer.ts';
import { Controller } from './runtime/controller.ts';
import { SupervisedInformer } from './runtime/informer.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { kubeLeaseApi } from './runtime/lease-api.ts';
import { startHttpServer, type HttpServer } from './http.ts';

export interface OperatorOptions {
  kubeConfig: k8s.KubeConfig;
  log: Logger;
  defaultImage: string;
  leaderElection: boolean;
  leaseNamespace: string;
  leaseName: string;
  /** Lease timing (default client-go's: 15 s, 10 s, 2 s); shorter in tests that kill leaders. */
  leaseTiming?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  identity?: string;
  metricsAddress: { host: string; port: number } | undefined;
  /** Dataplanes reconciled at once (default 8). */
  workers?: number;
  /**
   * Reconcile only the Dataplanes of this namespace (default: all). Pods, Nodes and DataplaneNodes are
   * still watched cluster-wide: CPUs and VFs of a node are shared by every namespace, and an operator
   * that saw only its own pods would hand out what another namespace's pods hold.
   */
  watchNamespace?: string;
  /** Secret (in leaseNamespace) with the key the control tokens are derived from; made on first start. */
  tokenKeySecret?: string;
  /** The key itself (tests); when set, no Secret is read. */
  tokenKey?: Buffer;
  /** Rebalancer round period (default 2 s); 0 turns the rebalancer off. */
  rebalanceIntervalMs?: number;
  /** Saturation of every replica that lasts this long adds a replica (default 3 rounds). */
  scaleOutAfterMs?: number;
  /** Room for one replica fewer that lasts this long removes one (default 60 s). */
  scaleInAfterMs?: number;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  private readonly allocator = new Allocator();
  private informers: SupervisedInformer<k8s.KubernetesObject>[] = [];
  private controller?: Controller;
  private nodeController?: Controller;
  private elector?: LeaderElector;
  private rebalancer?: Rebalancer;
  private http?: HttpServer;
  private ready = false;

  constructor(private readonly o: OperatorOptions) {}

  async start(): Promise<void> {
    const { kubeConfig: kc, log } = this.o;
    if (this.o.metricsAddress) {
      this.http = await startHttpServer(this.o.metricsAddress, this.metrics.registry, () => this.ready);
      log.info('serving /healthz /readyz /metrics', { address: `${this.o.metricsAddress.host}:${this.http.port}` });
    }
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    let stateVersion = 0;
    const bump = () => void stateVersion++;
    const enqueue = (key: string) => this.controller?.enqueue(key);
    // Node summaries are for reading, not for deciding: one write per node per half second is plenty,
    // and it folds the burst of events a busy node produces into one.
    const enqueueNode = (name: string | undefined) => { if (name) this.nodeController?.queue.addAfter(name, 500); };
    const onRestart = (resource: string) => () => this.metrics.informerRestarts.inc({ resource });

    const ns = this.o.watchNamespace;
    const dataplanes = new SupervisedInformer<Dataplane & k8s.KubernetesObject>(kc, ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/dataplanes` : `/apis/${GROUP}/${VERSION}/dataplanes`,
      () => (ns
        ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'dataplanes' })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanes' })) as Promise<k8s.KubernetesListObject<Dataplane & k8s.KubernetesObject>>,
      { onAdd: (o) => enqueue(keyOf(o)), onUpdate: (o) => enqueue(keyOf(o)), onDelete: (o) => enqueue(keyOf(o)) }, log, { onRestart: onRestart('dataplanes') });
    const ownerOf = (pod: k8s.V1Pod) => pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Dataplane');
    const onPod = (pod: k8s.V1Pod) => {
      bump();
      const owner = ownerOf(pod);
      if (owner) {
        // Another namespace's dataplane pod still holds CPUs of its node: it counts, it is not ours to reconcile.
        if (!ns || pod.metadata?.namespace === ns) enqueue(`${pod.metadata?.namespace}/${owner.name}`);
        enqueueNode(pod.spec?.nodeName || pod.metadata?.annotations?.[ANNOTATIONS.node]);
      }
      else if (pod.spec?.nodeName) waitingDataplanes(); // an ordinary pod came or went: CPU budgets moved
    };
    // Every pod, not only ours: ordinary pods' CPU requests bound what can be dedicated on a node.
    const pods = new SupervisedInformer<k8s.V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces(),
      { onAdd: onPod, onUpdate: onPod, onDelete: (pod) => { this.allocator.forget(keyOf(pod)); onPod(pod); } }, log, { onRestart: onRestart('pods') });
    const waitingDataplanes = () => {
      for (const dp of dataplanes.list()) {
        const placed = dp.status?.conditions?.find((c) => c.type === CONDITIONS.placed);
        if (placed?.status !== 'True') enqueue(keyOf(dp));
      }
    };
    const onNode = (n: k8s.KubernetesObject) => {
      bump();
      waitingDataplanes();
      enqueueNode(n.metadata?.name);
    };
    const nodes = new SupervisedInformer<k8s.V1Node>(kc, '/api/v1/nodes', () => core.listNode(),
      { onAdd: onNode, onUpdate: onNode, onDelete: onNode }, log, { onRestart: onRestart('nodes') });
    const dataplaneNodes = new SupervisedInformer<DataplaneNode & k8s.KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/dataplanenodes`,
      () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes' }) as Promise<k8s.KubernetesListObject<DataplaneNode & k8s.KubernetesObject>>,
      { onAdd: onNode, onUpdate: onNode, onDelete: onNode }, log, { onRestart: onRestart('dataplanenodes') });
    // The Services and PodDisruptionBudgets the operator keeps per Dataplane: a change or deletion
    // by someone else wakes the owner, which puts its own back.
    const enqueueOwner = (o: k8s.KubernetesObject) => {
      const owner = o.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Dataplane');
      if (owner) enqueue(`${o.metadata?.namespace}/${owner.name}`);
    };
    const ownerHandlers = { onAdd: enqueueOwner, onUpdate: enqueueOwner, onDelete: enqueueOwner };
    const managed = `${LABELS.managedBy}=ix-operator`;
    const policy = kc.makeApiClient(k8s.PolicyV1Api);
    const services = new SupervisedInformer<k8s.V1Service>(kc, ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services',
      () => (ns ? core.listNamespacedService({ namespace: ns, labelSelector: managed }) : core.listServiceForAllNamespaces({ labelSelector: managed })),
      ownerHandlers, log, { onRestart: onRestart('services') }, managed);
    const disruptionBudgets = new SupervisedInformer<k8s.V1PodDisruptionBudget>(kc, ns ? `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets` : '/apis/policy/v1/poddisruptionbudgets',
      () => (ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector: managed }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: managed })),
      ownerHandlers, log, { onRestart: onRestart('poddisruptionbudgets') }, managed);
    this.informers = [dataplanes, pods, nodes, dataplaneNodes, services, disruptionBudgets] as SupervisedInformer<k8s.KubernetesObject>[];

    const tokenKey = this.o.tokenKey ?? await loadTokenKey(kc, this.o.leaseNamespace, this.o.tokenKeySecret ?? 'ix-operator-token-key');
    const token = (dp: Dataplane) => controlToken(tokenKey, dp.metadata.uid!);
    const actions = instrument(new PodActions(kc), this.metrics.apiCalls, log);
    const events = instrument(new EventRecorder(kc, 'ix-operator', log), this.metrics.apiCalls, log);
    const reconciler = new DataplaneReconciler({
      dataplanes, pods, services, disruptionBudgets, nodes, dataplaneNodes, allocator: this.allocator, actions, events, metrics: this.metrics, log, defaultImage: this.o.defaultImage,
      controlToken: token, stateVersion: () => stateVersion,
    });
    const interval = this.o.rebalanceIntervalMs ?? 2000;
    if (interval > 0) {
      this.rebalancer = new Rebalancer({
        dataplanes, pods, placement: reconciler.placement, actions, events, control: httpControlClient, token, metrics: this.metrics, log,
        onReadings: (r) => reconciler.setReadings(r, enqueue),
        intervalMs: interval, scaleOutAfterMs: this.o.scaleOutAfterMs ?? 3 * interval, scaleInAfterMs: this.o.scaleInAfterMs ?? 60_000,
      });
    }
    // Several workers: reconciles overlap on API latency; placement itself stays serial (placeOne).
    this.controller = new Controller('dataplane', reconciler.reconcile, this.metrics, log, this.o.workers ?? 8);
    const nodeReconciler = new DataplaneNodeReconciler(kc, { dataplaneNodes, nodes, pods }, this.allocator);
    this.nodeController = new Controller('dataplanenode', nodeReconciler.reconcile, this.metrics, log, 2);

    // Caches first (followers keep them warm), then the lease, then work.
    await Promise.all([nodes.start(), dataplaneNodes.start(), pods.start(), services.start(), disruptionBudgets.start()]);
    await dataplanes.start();
    this.ready = true;
    if (this.o.leaderElection) {
      this.elector = new LeaderElector(kubeLeaseApi(kc, this.o.leaseNamespace, this.o.leaseName),
        { lease: `${this.o.leaseNamespace}/${this.o.leaseName}`, identity: this.o.identity ?? `${os.hostname()}_${process.pid}`, ...this.o.leaseTiming }, log);
      await this.elector.acquire((reason) => {
        this.metrics.leader.set({ name: this.o.leaseName }, 0);
        log.error('leadership lost: exiting so a restart rejoins as follower', { reason });
        process.exit(1);
      });
      this.metrics.leader.set({ name: this.o.leaseName }, 1);
    }
    this.controller.start();
    this.nodeController.start();
    this.rebalancer?.start();
    for (const dp of dataplanes.list()) enqueue(keyOf(dp));
    for (const dpn of dataplaneNodes.list()) enqueueNode(dpn.metadata?.name);
    log.info('operator started', { dataplanes: dataplanes.list().length, nodes: nodes.list().length, selector: LABELS.dataplane });
  }

  async stop(): Promise<void> {
    this.ready = false;
    await Promise.all([this.controller?.stop(), this.nodeController?.stop(), this.rebalancer?.stop()]);
    await this.elector?.release();
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.http?.close();
  }
}
