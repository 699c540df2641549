/** API group and version of every ix-operator resource. */
export const GROUP = 'ix.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * Pod annotations: the source of truth for allocations (brief §2). After a restart the operator
 * rebuilds its whole view of who holds which CPU and VF from these; DataplaneNode.status is a summary.
 */
export const ANNOTATIONS = {
  /** Dedicated CPUs held by the pod (Linux cpuset list, e.g. "4-7"). */
  cpus: `${GROUP}/cpus`,
  /** The subset of `cpus` the dataplane runs elastic threads on now. */
  activeCpus: `${GROUP}/active-cpus`,
  /** PCI address of the SR-IOV VF pinned to the pod. */
  vf: `${GROUP}/vf`,
  /** Node the allocation is on; set before the pod is bound, so an unbound pod's allocation survives a restart. */
  node: `${GROUP}/node`,
  /** NUMA cell of the CPUs (and VF). */
  numa: `${GROUP}/numa`,
  /** Hash of the Dataplane spec the pod was built from; a different hash means the pod is outdated. */
  specHash: `${GROUP}/spec-hash`,
} as const;

export const LABELS = {
  /** Name of the owning Dataplane; the scale subresource's selector. */
  dataplane: `${GROUP}/dataplane`,
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

export const FINALIZER = `${GROUP}/cleanup`;
export const SCHEDULER_NAME = 'ix-operator';
export const FIELD_MANAGER = 'ix-operator';

/**
 * The dataplane pods' seccomp profile, relative to the kubelet's seccomp directory (<kubelet
 * root>/seccomp): the node agent writes it on its node before publishing the node's inventory, and
 * the operator's pods name it as their Localhost profile (docs/adr/0020).
 */
export const DATAPLANE_SECCOMP_PROFILE = `${GROUP}/dataplane.json`;
