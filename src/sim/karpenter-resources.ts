// What Karpenter's kwok provider is given in a simulated cluster: the instance types it may launch
// (a JSON file, the provider's --instance-types-file-path format), a KWOKNodeClass and a NodePool.
// Pure builders; karpenter.ts applies them.

/** A machine Karpenter may launch: what the node offers, as a cloud's instance type would say. */
export interface InstanceTypeShape {
  name: string;
  cpus: number;
  memory: string;
  /** SR-IOV VFs the node's device plugin advertises. */
  vfs: number;
  /** Per hour; Karpenter launches the cheapest set of nodes that fits the pending pods. */
  price: number;
}

/**
 * One family, priced by CPU, so the cheapest fit is also the tightest: Karpenter's choice then shows
 * whether the pods' requests describe the node they need.
 */
export const DEFAULT_INSTANCE_TYPES: readonly InstanceTypeShape[] = [
  { name: 'ix-c8', cpus: 8, memory: '32Gi', vfs: 4, price: 0.4 },
  { name: 'ix-c16', cpus: 16, memory: '64Gi', vfs: 8, price: 0.8 },
  { name: 'ix-c32', cpus: 32, memory: '128Gi', vfs: 16, price: 1.6 },
];

export const KARPENTER_ZONE = 'ix-zone-a';
export const NODE_CLASS_NAME = 'ix-sim';
export const NODE_POOL_NAME = 'ix-dataplanes';
/** The label Karpenter puts on the nodes it launches (sigs.k8s.io/karpenter pkg/apis/v1/labels.go). */
export const KARPENTER_NODEPOOL_LABEL = 'karpenter.sh/nodepool';
/** The kwok provider's label of a node's instance CPU count (kwok/apis/v1alpha1/labels.go). */
export const KWOK_INSTANCE_CPU_LABEL = 'karpenter.kwok.sh/instance-cpu';

/** The kwok provider's instance-types file: every type on demand in one zone. */
export function instanceTypesFile(shapes: readonly InstanceTypeShape[], vfResource: string): unknown[] {
  return shapes.map((s) => ({
    name: s.name,
    offerings: [{
      Price: s.price,
      Available: true,
      Requirements: [
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [KARPENTER_ZONE] },
      ],
    }],
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: { cpu: String(s.cpus), memory: s.memory, pods: '110', 'ephemeral-storage': '100Gi', [vfResource]: String(s.vfs) },
  }));
}

export function nodeClass(): Record<string, unknown> {
  return { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: NODE_CLASS_NAME }, spec: {} };
}

export interface NodePoolOptions {
  /** Labels every launched node gets (a Dataplane's nodeSelector can only be met through these). */
  labels?: Record<string, string>;
  /** How long a node stays empty or underused before Karpenter consolidates it. */
  consolidateAfter?: string;
  /** Most CPUs the pool may hold in all. */
  cpuLimit?: number;
}

export function nodePool(opts: NodePoolOptions = {}): Record<string, unknown> {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: NODE_POOL_NAME },
    spec: {
      template: {
        metadata: { labels: { 'ix.dev/karpenter': 'true', ...opts.labels } },
        spec: {
          requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }],
          nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: NODE_CLASS_NAME },
          expireAfter: 'Never',
        },
      },
      limits: { cpu: String(opts.cpuLimit ?? 512) },
      disruption: {
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        consolidateAfter: opts.consolidateAfter ?? '30s',
        // Karpenter's default budget is 10% of the pool's nodes; pods' own PodDisruptionBudgets still apply.
        budgets: [{ nodes: '100%' }],
      },
    },
  };
}

/** The Ready condition a cloud provider's NodeClass controller would report; kwok's provider has none. */
export function nodeClassReadyStatus(generation: number, now: Date): Record<string, unknown> {
  return {
    conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', observedGeneration: generation, lastTransitionTime: now.toISOString() }],
  };
}
