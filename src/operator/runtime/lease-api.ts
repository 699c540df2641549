// The three Lease calls leader election makes, behind an interface so its timing logic is tested
// with a fake store, and its kube implementation. Conflicts are answers, not errors: two candidates
// racing for an expired lease both write with the resourceVersion they read, and one of them loses.
import * as k8s from '@kubernetes/client-node';
import { httpStatusOf } from '../../lib/kube.ts';

export interface LeaseApi {
  /** The Lease, or undefined when there is none. */
  read(): Promise<k8s.V1Lease | undefined>;
  /** Creates the Lease; false when one exists already (someone else created it first). */
  create(spec: k8s.V1LeaseSpec): Promise<boolean>;
  /** Replaces it, guarded by `lease.metadata.resourceVersion`; false when it changed since it was read. */
  replace(lease: k8s.V1Lease): Promise<boolean>;
}

export function kubeLeaseApi(kc: k8s.KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kc.makeApiClient(k8s.CoordinationV1Api);
  const conflictIsFalse = (e: unknown): false => {
    if (httpStatusOf(e) === 409) return false;
    throw e;
  };
  return {
    read: () => api.readNamespacedLease({ name, namespace }).catch((e: unknown) => {
      if (httpStatusOf(e) === 404) return undefined;
      throw e;
    }),
    create: (spec) => api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } }).then(() => true, conflictIsFalse),
    replace: (lease) => api.replaceNamespacedLease({ name, namespace, body: lease }).then(() => true, conflictIsFalse),
  };
}
