import type { V1Node } from '@kubernetes/client-node';

/** What a simulated (kwok) node offers. Defaults describe a 2-socket, 64-CPU SR-IOV server. */
export interface FakeNodeSpec {
  name: string;
  /** Index of the node in its cluster; picks its pod CIDR inside 127.0.0.0/8. */
  index: number;
  cpus?: number;
  memory?: string;
  hugepages1Gi?: string;
  hugepages2Mi?: string;
  pods?: number;
  /** Extended resource for SR-IOV VFs (as a device plugin would advertise it) and how many. */
  vfResource?: string;
  vfs?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

export const DEFAULT_VF_RESOURCE = 'intel.com/sriov_netdevice';

/**
 * The pod CIDR of the node with this index: 127.<1 + i / 256>.<i % 256>.0/24.
 * Loopback addresses, so end-to-end tests can bind a real process to each pod IP kwok assigns;
 * 127.0.0.0/24 is left alone for the host's own 127.0.0.1.
 */
export function podCidrFor(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 254 * 256) {
    throw new RangeError(`node index ${index} is outside 0..${254 * 256 - 1}: no loopback /24 left for its pods`);
  }
  return `127.${1 + Math.floor(index / 256)}.${index % 256}.0/24`;
}

/** The Node object kwok will adopt (annotation kwok.x-k8s.io/node=fake) and keep Ready. */
export function buildFakeNode(spec: FakeNodeSpec): V1Node {
  const cpus = spec.cpus ?? 64;
  const vfResource = spec.vfResource ?? DEFAULT_VF_RESOURCE;
  const resources: Record<string, string> = {
    cpu: String(cpus),
    memory: spec.memory ?? '256Gi',
    pods: String(spec.pods ?? 110),
    'hugepages-1Gi': spec.hugepages1Gi ?? '16Gi',
    'hugepages-2Mi': spec.hugepages2Mi ?? '0',
    [vfResource]: String(spec.vfs ?? 16),
    'ephemeral-storage': '100Gi',
  };
  const cidr = podCidrFor(spec.index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/dataplane': '',
        type: 'kwok',
        ...spec.labels,
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr], taints: spec.taints },
    status: {
      capacity: resources,
      allocatable: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kernelVersion: '6.1.0-kwok',
        osImage: 'kwok simulated node',
        containerRuntimeVersion: 'kwok',
        kubeletVersion: 'kwok',
        kubeProxyVersion: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}
