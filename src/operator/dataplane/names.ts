import type { Dataplane } from '../../api/dataplane.ts';
import { LABELS } from '../../api/constants.ts';

export const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Labels every pod of the Dataplane carries; the scale subresource's selector is built from them. */
export const podLabels = (dp: Dataplane): Record<string, string> => ({
  [LABELS.dataplane]: dp.metadata.name!,
  'app.kubernetes.io/name': 'ix-dataplane',
  'app.kubernetes.io/instance': dp.metadata.name!,
  [LABELS.managedBy]: 'ix-operator',
});

export const selectorOf = (dp: Dataplane): string => `${LABELS.dataplane}=${dp.metadata.name}`;

/** Secret holding the bearer token of the pods' control API (PUT /v1/cores). */
export const tokenSecretName = (dp: Dataplane): string => `${dp.metadata.name}-control-token`;

/**
 * The NetworkAttachmentDefinition that attaches the VF at PCI address `vf` to the Dataplane's pods:
 * one per Dataplane and VF address, shared by every replica whose VF has that address on its own
 * node (host-device by PCI address is the same configuration on every node; ADR 0003).
 */
export const attachmentName = (dp: Dataplane, vf: string): string => `${dp.metadata.name}-vf-${vf.toLowerCase().replace(/[^0-9a-z]/g, '-')}`;

/** The pod annotation that names a pod's extra networks to Multus. */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/**
 * The Dataplane's headless Service, and the pods' subdomain: replica i answers as
 * `<name>-<i>.<name>.<namespace>.svc` (ADR 0012).
 */
export const serviceName = (dp: Dataplane): string => dp.metadata.name!;

/** The PodDisruptionBudget that lets evictions (node drains) take one replica at a time by default. */
export const disruptionBudgetName = (dp: Dataplane): string => dp.metadata.name!;
