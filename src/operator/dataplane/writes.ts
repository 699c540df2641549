// The API writes the Dataplane controller makes, as an interface: one implementation talks to the
// apiserver (../kube-writes.ts), a fake records them in the reconcile steps' unit tests. Each write
// is idempotent: a retry after a crash or a conflict finds the work done and succeeds.
import type { V1Pod, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import type { PodAllocation } from './pod-builder.ts';

export interface DataplaneWrites {
  create(pod: V1Pod): Promise<V1Pod>;
  /** Deletes the pod with its UID as precondition; gone already is done. */
  delete(pod: V1Pod): Promise<void>;
  /** Records a new allocation of the Dataplane's on a pending pod. */
  annotate(dp: Dataplane, pod: V1Pod, allocation: PodAllocation): Promise<void>;
  /** Sets (a value) or removes (null) annotations of a pod, leaving the others alone. */
  setAnnotations(pod: V1Pod, annotations: Record<string, string | null>): Promise<void>;
  /** Binds a pending pod to its node. False: it was bound already. */
  bind(pod: V1Pod, node: string): Promise<boolean>;
  /** The Dataplane's attachment of the VF at this PCI address (names.ts attachmentName), made if missing. */
  attachVf(dp: Dataplane, vf: string): Promise<void>;
  /** Says on the pod why it waits, unless it says so already. */
  markUnschedulable(pod: V1Pod, message: string): Promise<void>;
  ensureTokenSecret(dp: Dataplane, token: string): Promise<void>;
  setFinalizer(dp: Dataplane, finalizer: string, present: boolean): Promise<void>;
  writeStatus(dp: Dataplane, status: unknown): Promise<void>;
  applyService(service: V1Service): Promise<void>;
  applyDisruptionBudget(budget: V1PodDisruptionBudget): Promise<void>;
}
