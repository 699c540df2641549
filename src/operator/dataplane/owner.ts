import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { API_VERSION } from '../../api/constants.ts';

/** The controller reference every object made for a Dataplane carries: it goes with its Dataplane. */
export const ownerReference = (dp: Dataplane): V1OwnerReference => ({
  apiVersion: API_VERSION, kind: 'Dataplane', name: dp.metadata.name!, uid: dp.metadata.uid!, controller: true, blockOwnerDeletion: true,
});
