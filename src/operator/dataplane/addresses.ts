// Where clients reach each replica, from what the pod says: its pod IP, its stable DNS name through
// the headless Service, and with SR-IOV the VF's address from the network-status annotation Multus
// writes (k8s.v1.cni.cncf.io/network-status). Pure: computeStatus publishes the result.
import type { V1Pod } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { ANNOTATIONS } from '../../api/constants.ts';
import { NETWORKS_ANNOTATION, serviceName } from './names.ts';
import { ordinalOf } from './ordinals.ts';

export const NETWORK_STATUS = 'k8s.v1.cni.cncf.io/network-status';

/** One entry of Multus's network-status annotation (the fields read here). */
interface NetworkStatusEntry {
  name?: string;
  interface?: string;
  ips?: string[];
  default?: boolean;
  'device-info'?: { pci?: { 'pci-address'?: string } };
}

/**
 * The VF's address: the first IP of the network-status entry of the pod's own attachment (named
 * the one the pod's networks annotation names, as `<namespace>/<name>` or `<name>`, or by its PCI address). Undefined while Multus has not written it, or when
 * the annotation is unreadable (it is someone else's to write: no error, the pod IP still serves).
 */
export function vfAddressOf(pod: V1Pod): string | undefined {
  const raw = pod.metadata?.annotations?.[NETWORK_STATUS];
  if (!raw) return undefined;
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const ns = pod.metadata?.namespace ?? '';
  const nad = pod.metadata?.annotations?.[NETWORKS_ANNOTATION];
  const vf = pod.metadata?.annotations?.[ANNOTATIONS.vf];
  const ours = (entries as NetworkStatusEntry[]).find((e) => e && !e.default && (
    (nad !== undefined && (e.name === `${ns}/${nad}` || e.name === nad)) || (vf !== undefined && e['device-info']?.pci?.['pci-address'] === vf)));
  const ip = ours?.ips?.find((a) => typeof a === 'string' && a.length > 0);
  return ip;
}

/** `<pod>.<service>.<namespace>.svc`: resolves to the pod IP of a ready replica. */
export const replicaHostname = (dp: Dataplane, podName: string): string => `${podName}.${serviceName(dp)}.${dp.metadata.namespace}.svc`;

/** A host for a host:port string: IPv6 addresses in brackets. */
const hostPart = (host: string): string => (host.includes(':') ? `[${host}]` : host);

export interface ReplicaAddress {
  name: string;
  ordinal?: number;
  podIP?: string;
  hostname: string;
  vfAddress?: string;
}

export function replicaAddress(dp: Dataplane, pod: V1Pod): ReplicaAddress {
  const name = pod.metadata!.name!;
  const ordinal = ordinalOf(dp.metadata.name!, name);
  const vfAddress = vfAddressOf(pod);
  return {
    name,
    ...(ordinal !== undefined ? { ordinal } : {}),
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    hostname: replicaHostname(dp, name),
    ...(vfAddress ? { vfAddress } : {}),
  };
}

/**
 * host:port of every ready replica, in ordinal order (what positional hashes such as mcrouter's
 * need): the VF address with SR-IOV (the point of a VF is that clients use it), else the stable
 * DNS name (what name-hashing rings such as ketama need to keep keys through a replacement).
 */
export function serverList(dp: Dataplane, ready: readonly V1Pod[]): string[] {
  const byOrdinal = (p: V1Pod) => ordinalOf(dp.metadata.name!, p.metadata?.name ?? '') ?? Number.MAX_SAFE_INTEGER;
  return [...ready]
    .sort((a, b) => byOrdinal(a) - byOrdinal(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((p) => {
      const a = replicaAddress(dp, p);
      return `${hostPart(a.vfAddress ?? a.hostname)}:${dp.spec.port}`;
    });
}
