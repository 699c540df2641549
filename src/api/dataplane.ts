import type { IxResource } from './resource.ts';
import { Type, type Static } from '@sinclair/typebox';
import { Condition, CpuSet, Duration, ExtendedResourceName, LabelMap, MapList, NetdevName, Quantity, StringEnum, Toleration } from './schema-types.ts';

export const NUMA_POLICIES = ['single-numa', 'prefer-single-numa'] as const;
export const DO_NOT_DISRUPT_POLICIES = ['Never', 'WhenBusy', 'Always'] as const;

export const CoresSpec = Type.Object({
  min: Type.Integer({ minimum: 1, maximum: 512, default: 1, description: 'Dedicated cores a replica always holds.' }),
  max: Type.Integer({ minimum: 1, maximum: 512, description: 'Most dedicated cores a replica may be given under congestion.' }),
}, {
  description: 'Dedicated CPU cores per replica. The operator places each replica with `min` and grows it up to `max` from its load.',
  'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'cores.min must not be greater than cores.max' }],
});

export const NetworkSpec = Type.Object({
  resourceName: Type.Optional(ExtendedResourceName('Extended resource the SR-IOV device plugin advertises VFs under (e.g. intel.com/sriov_netdevice). Each replica requests one VF of it.')),
  numaPolicy: StringEnum(NUMA_POLICIES, {
    default: 'single-numa',
    description: 'single-numa: the cores and the VF of a replica share one NUMA cell, or the replica is not placed. prefer-single-numa: fall back to spanning cells.',
  }),
  allowedPfs: Type.Optional(Type.Array(NetdevName(), {
    maxItems: 64, 'x-kubernetes-list-type': 'set',
    description: 'Only VFs of these physical functions (netdev names, e.g. ens1f0) may be pinned.',
  })),
}, {
  description: 'SR-IOV network of the replicas. Without it, replicas use the pod network and get no VF.',
  'x-kubernetes-validations': [{ rule: '!has(self.allowedPfs) || has(self.resourceName)', message: 'network.allowedPfs needs network.resourceName: without a VF resource no replica gets a VF, so there is no PF to choose' }],
});

// Objects with nested defaults default to {} themselves, so an omitted section still gets them.
export const SloSpec = Type.Object({
  p99: Duration({ description: 'Target 99th percentile latency; the controllers add cores before it is missed.', default: '500us', min: '1us', max: '10s' }),
}, { default: {} });

export const PlacementSpec = Type.Object({
  nodeSelector: Type.Optional(LabelMap('Only nodes with these labels.')),
  tolerations: Type.Optional(Type.Array(Toleration, { maxItems: 64 })),
  wholeCores: Type.Boolean({ default: true, description: 'Allocate whole physical cores (all hyperthread siblings), never sharing a core with another pod.' }),
}, { default: {} });

export const AutoscaleSpec = Type.Object({
  enabled: Type.Boolean({ default: false, description: 'Add a replica when every replica is at cores.max and still congested; remove one when the load fits in fewer.' }),
  minReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  maxReplicas: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
}, { 'x-kubernetes-validations': [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'autoscale.minReplicas must not be greater than autoscale.maxReplicas' }] });

export const RebalanceSpec = Type.Object({
  addQueueLength: Type.Integer({ minimum: 1, maximum: 100000, default: 32, description: 'Add a core when the mean queue length of a thread stays above this (IX: 32).' }),
  removeQueueLength: Type.Integer({ minimum: 0, maximum: 100000, default: 8, description: 'A core may be removed when the queue length stays below this (IX: 8) and idle time is high.' }),
  removeIdleFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'Idle share of the threads above which a core may be removed.' }),
  addCooldown: Duration({ description: 'Least time between two core additions.', default: '100ms', min: '1ms', max: '10m' }),
  removeCooldown: Duration({ description: 'Least time between a change and a core removal.', default: '2s', min: '1ms', max: '1h' }),
  autoscale: Type.Optional(AutoscaleSpec),
}, {
  default: {},
  'x-kubernetes-validations': [{ rule: 'self.removeQueueLength < self.addQueueLength', message: 'rebalance.removeQueueLength must be below rebalance.addQueueLength, or cores would flap' }],
});

export const DisruptionBudgetSpec = Type.Object({
  maxUnavailable: Type.Integer({
    minimum: 1, maximum: 1000, default: 1,
    description: 'Most replicas an eviction (a node drain, a cluster autoscaler consolidating) may take at once; the PodDisruptionBudget of the Dataplane says so. At least 1: a budget of 0 would block every drain for good.',
  }),
  doNotDisrupt: StringEnum(DO_NOT_DISRUPT_POLICIES, {
    default: 'Never',
    description: 'Which replicas keep a cluster autoscaler from removing their node to save cost (karpenter.sh/do-not-disrupt: Karpenter neither consolidates nor expires it; cluster-autoscaler.kubernetes.io/safe-to-evict=false: cluster-autoscaler does not scale it down). Never; WhenBusy: while a replica holds more than cores.min cores (it was grown under load); Always. Karpenter does not evict such a replica even from a node deleted on purpose until the NodePool terminationGracePeriod ends.',
  }),
}, { default: {}, description: 'The PodDisruptionBudget the operator keeps for the replicas.' });

export const DataplaneSpec = Type.Object({
  replicas: Type.Integer({ minimum: 0, maximum: 1000, default: 1, description: 'Number of dataplane pods.' }),
  cores: CoresSpec,
  slo: SloSpec,
  batchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 64, description: 'Bound B of adaptive batching: most requests processed per connection per pass (IX: 64).' }),
  memory: Quantity({ description: 'Memory of the key-value store of each replica (like memcached -m).', default: '64Mi', min: '1Mi', max: '1Ti' }),
  maxItemSize: Quantity({ description: 'Largest item (like memcached -I); at most 64Mi (slab pages are as large as the largest item).', default: '1Mi', min: '1Ki', max: '64Mi' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 11211, description: 'TCP port of the memcached protocol.' }),
  controlPort: Type.Integer({ minimum: 1, maximum: 65535, default: 9121, description: 'HTTP port of /healthz, /readyz, /metrics, /v1/load and /v1/cores.' }),
  image: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^\\S+$', description: 'Dataplane image; the operator default when unset.' })),
  network: Type.Optional(NetworkSpec),
  placement: PlacementSpec,
  rebalance: RebalanceSpec,
  disruptionBudget: DisruptionBudgetSpec,
}, {
  'x-kubernetes-validations': [
    { rule: "!has(self.rebalance.autoscale) || !self.rebalance.autoscale.enabled || (self.replicas >= self.rebalance.autoscale.minReplicas && self.replicas <= self.rebalance.autoscale.maxReplicas)", message: 'replicas must lie within rebalance.autoscale.minReplicas..maxReplicas when autoscale is enabled' },
    // Replicas own their VF attachment; changing the network under running replicas would drop
    // every VF at once. A new network is a new Dataplane.
    { rule: 'has(self.network) == has(oldSelf.network) && (!has(self.network) || self.network == oldSelf.network)', message: 'spec.network is immutable: create a new Dataplane to use another network' },
    { rule: 'self.port != self.controlPort', message: 'port and controlPort must differ' },
    // memcached refuses -I above half of -m ("Cannot set item size limit higher than 1/2 of memory
    // max"): a store that large items fill at once has no room for the rest. Both are defaulted.
    {
      rule: '!isQuantity(self.memory) || !isQuantity(self.maxItemSize) || quantity(self.maxItemSize).add(quantity(self.maxItemSize)).compareTo(quantity(self.memory)) <= 0',
      message: 'maxItemSize must be at most half of memory, as memcached refuses -I above half of -m: raise memory or lower maxItemSize',
    },
  ],
});

export const PodStatus = Type.Object({
  name: Type.String(),
  node: Type.Optional(Type.String()),
  numa: Type.Optional(Type.Integer()),
  cpus: Type.Optional(CpuSet('Dedicated CPUs held.')),
  activeCpus: Type.Optional(CpuSet('CPUs running elastic threads now.')),
  vf: Type.Optional(Type.String()),
  ordinal: Type.Optional(Type.Integer({ description: 'Replica number: the pod is <dataplane>-<ordinal> (absent for pods from before ordinals).' })),
  podIP: Type.Optional(Type.String({ description: 'Address on the pod network.' })),
  hostname: Type.Optional(Type.String({ description: 'Stable DNS name through the headless Service: <pod>.<dataplane>.<namespace>.svc.' })),
  vfAddress: Type.Optional(Type.String({ description: 'Address of the pinned VF, from the network-status annotation Multus writes.' })),
  ready: Type.Boolean(),
  p99: Type.Optional(Type.String()),
});

export const DataplaneStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  replicas: Type.Optional(Type.Integer({ description: 'Pods that exist.' })),
  readyReplicas: Type.Optional(Type.Integer()),
  updatedReplicas: Type.Optional(Type.Integer({ description: 'Pods built from the current spec.' })),
  selector: Type.Optional(Type.String({ description: 'Label selector of the pods, for the scale subresource (HPA).' })),
  coresAllocated: Type.Optional(Type.Integer()),
  coresActive: Type.Optional(Type.Integer()),
  p99: Type.Optional(Type.String({ description: 'Worst p99 latency over the replicas.' })),
  pods: Type.Optional(MapList(PodStatus, 'name', { maxItems: 1000 })),
  servers: Type.Optional(Type.Array(Type.String(), {
    maxItems: 1000,
    description: 'host:port of every ready replica in ordinal order, for a memcached client or proxy: the VF address with SR-IOV, else the stable DNS name.',
  })),
  conditions: Type.Optional(MapList(Condition, 'type', { maxItems: 16 })),
});

export type DataplaneSpec = Static<typeof DataplaneSpec>;
export type DataplaneStatus = Static<typeof DataplaneStatus>;
export type Condition = Static<typeof Condition>;

export type Dataplane = IxResource<'Dataplane', DataplaneSpec, DataplaneStatus>;
