import type { V1ObjectMeta } from '@kubernetes/client-node';

/** An ix.dev resource as the API server returns it (defaults filled in). */
export interface IxResource<Kind extends string, Spec, Status> {
  apiVersion: 'ix.dev/v1alpha1';
  kind: Kind;
  metadata: V1ObjectMeta;
  spec: Spec;
  status?: Status;
}
