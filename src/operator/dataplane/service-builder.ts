// Pure builder of a Dataplane's headless Service: one DNS name per replica
// (<pod>.<dataplane>.<namespace>.svc, the pods' hostname and subdomain) and the ports clients and
// Prometheus use. No I/O; the reconciler applies it when the cached one differs (serviceDrift).
import type { V1Service } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { LABELS } from '../../api/constants.ts';
import { ownerReference } from './owner.ts';
import { serviceName } from './names.ts';

/** Names of the Service's ports: `metrics` is what a ServiceMonitor or PodMonitor scrapes. */
export const SERVICE_PORTS = { data: 'memcache', metrics: 'metrics' } as const;

export function buildService(dp: Dataplane): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName(dp),
      namespace: dp.metadata.namespace,
      labels: { [LABELS.dataplane]: dp.metadata.name!, 'app.kubernetes.io/name': 'ix-dataplane', 'app.kubernetes.io/instance': dp.metadata.name!, [LABELS.managedBy]: 'ix-operator' },
      ownerReferences: [ownerReference(dp)],
    },
    spec: {
      // Headless: clients hash over the members themselves; a virtual IP would balance each
      // connection to any replica and break every key-to-server mapping.
      clusterIP: 'None',
      selector: { [LABELS.dataplane]: dp.metadata.name! },
      // Only ready replicas get DNS records: a draining replica (ADR 0010) leaves at once.
      publishNotReadyAddresses: false,
      ports: [
        { name: SERVICE_PORTS.data, port: dp.spec.port, targetPort: dp.spec.port, protocol: 'TCP' },
        { name: SERVICE_PORTS.metrics, port: dp.spec.controlPort, targetPort: dp.spec.controlPort, protocol: 'TCP' },
      ],
    },
  };
}
