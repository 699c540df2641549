// Prometheus metrics with controller-runtime's names, so existing dashboards and alerts for
// Kubernetes controllers work unchanged; ix_* for what is ours.
import client from 'prom-client';

export class OperatorMetrics {
  readonly registry = new client.Registry();
  readonly reconcileTotal = new client.Counter({ name: 'controller_runtime_reconcile_total', help: 'Reconciliations by controller and result.', labelNames: ['controller', 'result'], registers: [this.registry] });
  readonly reconcileErrors = new client.Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Reconciliations that failed.', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileTime = new client.Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Time per reconciliation.', labelNames: ['controller'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly queueDepth = new client.Gauge({ name: 'workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueAdds = new client.Counter({ name: 'workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueRetries = new client.Counter({ name: 'workqueue_retries_total', help: 'Rate-limited retries.', labelNames: ['name'], registers: [this.registry] });
  readonly placements = new client.Counter({ name: 'ix_placements_total', help: 'Replicas given a node, NUMA cell, CPUs and VF.', registers: [this.registry] });
  readonly placementFailures = new client.Counter({ name: 'ix_placement_failures_total', help: 'Replicas that could not be placed, by what was missing most.', labelNames: ['reason'], registers: [this.registry] });
  readonly informerRestarts = new client.Counter({ name: 'ix_informer_restarts_total', help: 'Informers restarted by the supervisor.', labelNames: ['resource'], registers: [this.registry] });
  readonly invalidAllocations = new client.Gauge({ name: 'ix_invalid_allocations', help: 'Pods whose allocation annotations cannot be read, or that conflict.', registers: [this.registry] });
  readonly apiCalls = new client.Histogram({ name: 'ix_api_call_duration_seconds', help: 'API writes of the reconcilers, by call.', labelNames: ['call'], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly rebalanceRoundTime = new client.Histogram({ name: 'ix_rebalance_round_duration_seconds', help: 'Time of one rebalancer round: reading every pod\'s load, deciding, writing.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly loadReadFailures = new client.Counter({ name: 'ix_load_read_failures_total', help: 'GET /v1/load of a dataplane pod that failed or timed out.', registers: [this.registry] });
  readonly coresAdded = new client.Counter({ name: 'ix_cores_added_total', help: 'CPUs granted to running dataplane pods by the rebalancer.', registers: [this.registry] });
  readonly coresRemoved = new client.Counter({ name: 'ix_cores_removed_total', help: 'CPUs taken back from running dataplane pods by the rebalancer.', registers: [this.registry] });
  readonly scaleChanges = new client.Counter({ name: 'ix_autoscale_changes_total', help: 'Replicas added (out) or removed (in) by the autoscaler.', labelNames: ['direction'], registers: [this.registry] });
  readonly leader = new client.Gauge({ name: 'leader_election_master_status', help: '1 while this replica is the leader.', labelNames: ['name'], registers: [this.registry] });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }
}
