// Plain data the placer works on. The API layer converts DataplaneNode inventories, pod annotations
// and Dataplane specs into these shapes, so this module never sees a Kubernetes object and stays a
// pure function of its input.

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

/** Kubernetes toleration semantics: an empty key with operator Exists tolerates every taint. */
export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  /** Empty or absent matches every effect. */
  effect?: TaintEffect | '';
}

/** One online logical CPU. Hyperthread siblings share socket and core. */
export interface PlacementCpu {
  id: number;
  core: number;
  socket: number;
  numa: number;
}

export interface PlacementVf {
  pciAddress: string;
  /** Name of the physical function the VF belongs to. */
  pf: string;
  numa: number;
}

/** Hugepage memory one NUMA cell can give to dataplanes; what allocations hold is subtracted. */
export interface CellHugepages {
  numa: number;
  bytes: number;
}

export interface PlacementNode {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  labels: Record<string, string>;
  taints: Taint[];
  cpus: PlacementCpu[];
  /** CPUs the system keeps for itself; never given to a dataplane. */
  reservedCpus: number[];
  vfs: PlacementVf[];
  allocatableCpuMillis: number;
  /** CPU requested by ordinary pods; they share the CPUs no dataplane holds. */
  nonDataplaneCpuRequestMillis: number;
  /** Absent: the inventory does not track hugepages per cell, and they are not checked here. */
  hugepages?: CellHugepages[];
}

export type NumaPolicy = 'single-numa' | 'prefer-single-numa';

/** What one pod holds; the source of truth is the pod's annotations. */
export interface Allocation {
  /** "namespace/name" of the pod. */
  podKey: string;
  /** "namespace/name" of the owning Dataplane. */
  dataplaneKey: string;
  node: string;
  /** The cell of the VF and hugepages; under prefer-single-numa the cell holding most of the CPUs. */
  numa: number;
  cpus: number[];
  vf?: string;
  hugepagesBytes?: number;
  /** Defaults to 'single-numa', like requests. */
  numaPolicy?: NumaPolicy;
  /** Defaults to true, like requests. */
  wholeCores?: boolean;
}

/** One replica to place. */
export interface PlacementRequest {
  podKey: string;
  dataplaneKey: string;
  /** CPUs to allocate now (cores.min). */
  cpus: number;
  /** cores.max: the placer prefers cells where the pod can later grow this far. */
  maxCpus: number;
  needVf: boolean;
  /** When non-empty, only VFs of these physical functions qualify; empty or absent allows every PF. */
  allowedPfs?: string[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** Defaults to 'single-numa'. */
  numaPolicy?: NumaPolicy;
  /** Defaults to true: give complete physical cores and never share one with another pod. */
  wholeCores?: boolean;
  hugepagesBytes?: number;
}

export interface Placement {
  ok: true;
  podKey: string;
  dataplaneKey: string;
  node: string;
  numa: number;
  /** Sorted ascending. */
  cpus: number[];
  vf?: string;
  /** The allocation to record on the pod; later requests of the same call already see it. */
  allocation: Allocation;
}

/** Why a node could not take a request, in the order the checks run. */
export type RejectionKind =
  | 'notReady'
  | 'beingRemoved'
  | 'unschedulable'
  | 'nodeSelector'
  | 'taint'
  | 'cpuBudget'
  | 'cpus'
  | 'vf'
  | 'hugepages';

export const REJECTION_KINDS: readonly RejectionKind[] = [
  'notReady', 'beingRemoved', 'unschedulable', 'nodeSelector', 'taint', 'cpuBudget', 'cpus', 'vf', 'hugepages',
];

export interface PlacementFailure {
  ok: false;
  podKey: string;
  dataplaneKey: string;
  /** kube-scheduler style: "0/5 nodes are available: 2 not ready, ...". */
  reason: string;
  totalNodes: number;
  /** How many nodes were rejected for each reason; zero for reasons that did not occur. */
  rejections: Record<RejectionKind, number>;
}

export type PlacementOutcome = Placement | PlacementFailure;
