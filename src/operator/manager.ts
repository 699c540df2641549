// Wires the operator together: informers (supervised), the Dataplane controller, leader election
// and the HTTP endpoints. Only the leader reconciles; followers keep warm caches and answer probes.
import type * as k8s from '@kubernetes/client-node';
import os from 'node:os';
import type { Dataplane } from '../api/dataplane.ts';
import { LABELS } from '../api/constants.ts';
import type { Logger } from '../lib/log.ts';
import { PodIndex, controllerUid } from './pod-index.ts';
import { podNode } from './allocations.ts';
import { AllocationBook } from './allocation-book.ts';
import { allInformers, makeInformers } from './informers.ts';
import { PodReadings } from './readings.ts';
import { DataplaneReconciler } from './dataplane/reconciler.ts';
import { dataplaneOwner, watchForDataplanes } from './dataplane/watches.ts';
import { watchForDataplaneNodes } from './dataplanenode/watches.ts';
import { DataplaneNodeReconciler } from './dataplanenode/reconciler.ts';
import { KubeWrites } from './kube-writes.ts';
import { keyOf, splitKey } from './dataplane/names.ts';
import { EventRecorder } from './events.ts';
import { instrument } from './instrument.ts';
import { OperatorMetrics } from './metrics.ts';
import { controlToken, loadTokenKey } from './control-token.ts';
import { httpControlClient } from './rebalance/load-client.ts';
import { Rebalancer } from './rebalance/rebalancer.ts';
import { Controller } from './runtime/controller.ts';
import type { SupervisedInformer } from './runtime/informer.ts';
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
    const informers = makeInformers(kc, log, this.o.watchNamespace, (resource) => this.metrics.informerRestarts.inc({ resource }));
    this.informers = allInformers(informers);
    const { dataplanes, pods, nodes, dataplaneNodes, services, disruptionBudgets } = informers;
    // The one owner of who holds which CPU and VF; it listens to the pods, Nodes and DataplaneNodes itself.
    const allocations = new AllocationBook({ pods, nodes, dataplaneNodes, metrics: this.metrics, log });
    const podsByOwner = new PodIndex(pods, controllerUid);
    const podsByNode = new PodIndex(pods, podNode);
    const readings = new PodReadings();
    const enqueue = (key: string) => this.controller?.enqueue(key);
    watchForDataplanes(informers, allocations, enqueue, this.o.watchNamespace);
    // Node summaries are for reading, not for deciding: one write per node per half second is plenty,
    // and it folds the burst of events a busy node produces into one.
    const enqueueNode = (name: string) => this.nodeController?.queue.addAfter(name, 500);
    watchForDataplaneNodes(informers, enqueueNode);

    const tokenKey = this.o.tokenKey ?? await loadTokenKey(kc, this.o.leaseNamespace, this.o.tokenKeySecret ?? 'ix-operator-token-key');
    const token = (dp: Dataplane) => controlToken(tokenKey, dp.metadata.uid!);
    const actions = instrument(new KubeWrites(kc), this.metrics.apiCalls, log);
    const events = instrument(new EventRecorder(kc, 'ix-operator', log), this.metrics.apiCalls, log);
    const reconciler = new DataplaneReconciler({
      dataplanes, pods, podsByOwner, services, disruptionBudgets, allocations, readings, actions, events, log, defaultImage: this.o.defaultImage, controlToken: token,
    });
    const interval = this.o.rebalanceIntervalMs ?? 2000;
    if (interval > 0) {
      this.rebalancer = new Rebalancer({
        dataplanes, pods, placement: allocations, actions, events, control: httpControlClient, token, metrics: this.metrics, log,
        // Dataplanes whose status would show another p99 are visited; a pod names its Dataplane.
        onReadings: (r) => {
          for (const podKey of readings.replace(r)) {
            const { namespace, name } = splitKey(podKey);
            const pod = pods.get(name, namespace);
            const owner = pod && dataplaneOwner(pod);
            if (owner) enqueue(owner);
          }
        },
        intervalMs: interval, scaleOutAfterMs: this.o.scaleOutAfterMs ?? 3 * interval, scaleInAfterMs: this.o.scaleInAfterMs ?? 60_000,
      });
    }
    // Several workers: reconciles overlap on API latency; placement itself stays serial (placeOne).
    this.controller = new Controller('dataplane', reconciler.reconcile, this.metrics, log, this.o.workers ?? 8);
    const nodeReconciler = new DataplaneNodeReconciler(kc, { dataplaneNodes, nodes, podsByNode }, allocations);
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
    for (const dpn of dataplaneNodes.list()) enqueueNode(dpn.metadata.name!);
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
