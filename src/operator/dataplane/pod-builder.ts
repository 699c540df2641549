// Pure builder of a dataplane pod: what the operator creates, from the Dataplane and (when the
// replica could be placed) its allocation. No I/O here, so it is unit-tested and reused by the
// rolling update's comparison.
import type { V1Pod } from '@kubernetes/client-node';
import type { Dataplane } from '../../api/dataplane.ts';
import { ANNOTATIONS, DATAPLANE_SECCOMP_PROFILE, SCHEDULER_NAME } from '../../api/constants.ts';
import { formatCpuset } from '../placement/index.ts';
import { durationMs } from '../../lib/duration.ts';
import { NETWORKS_ANNOTATION, attachmentName, podLabels, serviceName, tokenSecretName } from './names.ts';
import { ownerReference } from './owner.ts';
import { quantityToBytes } from './quantity.ts';
import { protectionAnnotations } from './disruption-annotations.ts';

export interface PodAllocation {
  node: string;
  numa: number;
  cpus: number[];
  vf?: string;
}

export interface PodBuildInput {
  dp: Dataplane;
  name: string;
  specHash: string;
  defaultImage: string;
  /** Absent: the replica could not be placed; the pod is created Pending and describes what it needs. */
  allocation?: PodAllocation;
}

/** Memory the dataplane process needs beside its store: code, buffers, worker threads. */
export const PROCESS_OVERHEAD_BYTES = 128 * 2 ** 20;

/**
 * A pod being removed keeps serving its open connections this long while /readyz fails: the pod
 * leaves its Service's endpoints and clients that refresh their server list move away before the
 * connections close (ADR 0010).
 */
export const DRAIN_MS = 10_000;

/**
 * Annotations that record an allocation on a pod (the source of truth for who holds what) and, with
 * a VF, name its attachment to Multus.
 */
export function allocationAnnotations(dp: Dataplane, a: PodAllocation): Record<string, string> {
  return {
    [ANNOTATIONS.node]: a.node,
    [ANNOTATIONS.numa]: String(a.numa),
    [ANNOTATIONS.cpus]: formatCpuset(a.cpus),
    [ANNOTATIONS.activeCpus]: formatCpuset(a.cpus),
    ...(a.vf ? { [ANNOTATIONS.vf]: a.vf, [NETWORKS_ANNOTATION]: attachmentName(dp, a.vf) } : {}),
  };
}

export function buildPod({ dp, name, specHash, defaultImage, allocation }: PodBuildInput): V1Pod {
  const s = dp.spec;
  const cpus = allocation?.cpus.length ?? s.cores.min;
  const memoryBytes = quantityToBytes(s.memory) + PROCESS_OVERHEAD_BYTES;
  const limits: Record<string, string> = { cpu: String(cpus), memory: String(memoryBytes) };
  if (s.network?.resourceName) limits[s.network.resourceName] = '1';
  const annotations: Record<string, string> = { [ANNOTATIONS.specHash]: specHash, ...protectionAnnotations(dp, cpus) };
  if (allocation) {
    Object.assign(annotations, allocationAnnotations(dp, allocation));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: dp.metadata.namespace,
      labels: podLabels(dp),
      annotations,
      ownerReferences: [ownerReference(dp)],
    },
    spec: {
      // Nobody else binds these pods: the operator chooses node, CPUs and VF together. A replica
      // placed before it exists is created bound (one write, no binding round trip: docs/adr/0004);
      // one that waited for room is bound through the binding subresource once placed.
      schedulerName: SCHEDULER_NAME,
      ...(allocation ? { nodeName: allocation.node } : {}),
      // The stable DNS name of the replica, <pod>.<service>.<namespace>.svc, through the headless Service.
      hostname: name,
      subdomain: serviceName(dp),
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      // DRAIN_MS of serving while not ready (scale-in, rolling update), then up to 5 s to close.
      terminationGracePeriodSeconds: Math.ceil(DRAIN_MS / 1000) + 20,
      // Kept for a cluster autoscaler, which simulates these to decide whether a new node would help.
      nodeSelector: s.placement.nodeSelector,
      tolerations: s.placement.tolerations,
      // fsGroup: the kubelet gives the token Secret's files this group (mode 0440), so the dataplane,
      // not root, can read them; without it they stay root:root and PUT /v1/cores fails with EACCES.
      // seccomp: the runtime's default plus io_uring's three system calls, which containerd 2's
      // default refuses; the node agent installs the profile before its node can be chosen (ADR 0020).
      securityContext: {
        runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532,
        seccompProfile: { type: 'Localhost', localhostProfile: DATAPLANE_SECCOMP_PROFILE },
      },
      containers: [{
        name: 'dataplane',
        image: s.image ?? defaultImage,
        args: [
          'run',
          '--listen', '0.0.0.0',
          '--port', String(s.port),
          '--control-port', String(s.controlPort),
          '--memory-limit', String(Math.max(1, Math.floor(quantityToBytes(s.memory) / 2 ** 20))),
          '--max-item-size', String(quantityToBytes(s.maxItemSize)),
          '--batch', String(s.batchSize),
          '--threads', String(s.cores.max),
          // The local controller's policy, from the spec: it runs at least cores.min threads within
          // the CPUs granted, and the thresholds are the ones the rebalancer judges the pod by.
          '--min-threads', String(s.cores.min),
          '--add-queue', String(s.rebalance.addQueueLength),
          '--remove-queue', String(s.rebalance.removeQueueLength),
          '--remove-idle', String(s.rebalance.removeIdleFraction),
          '--slo-p99-us', String(Math.max(1, Math.round(durationMs(s.slo.p99) * 1000))),
          '--add-cooldown-ms', String(Math.max(1, Math.round(durationMs(s.rebalance.addCooldown)))),
          '--remove-cooldown-ms', String(Math.max(1, Math.round(durationMs(s.rebalance.removeCooldown)))),
          '--cpus-from', '/etc/ix/podinfo/annotations',
          '--token-file', '/etc/ix/token/token',
          '--drain-ms', String(DRAIN_MS),
        ],
        ports: [
          { name: 'memcache', containerPort: s.port, protocol: 'TCP' },
          { name: 'control', containerPort: s.controlPort, protocol: 'TCP' },
        ],
        resources: { requests: limits, limits },
        readinessProbe: { httpGet: { path: '/readyz', port: 'control' }, periodSeconds: 2 },
        livenessProbe: { httpGet: { path: '/healthz', port: 'control' }, periodSeconds: 10, failureThreshold: 3 },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'podinfo', mountPath: '/etc/ix/podinfo', readOnly: true },
          { name: 'token', mountPath: '/etc/ix/token', readOnly: true },
        ],
      }],
      volumes: [
        // The kubelet rewrites this file when the operator changes ix.dev/active-cpus: the dataplane
        // follows its granted cores even if the operator's PUT /v1/cores never arrives.
        { name: 'podinfo', downwardAPI: { items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
        { name: 'token', secret: { secretName: tokenSecretName(dp), defaultMode: 0o440 } },
      ],
    },
  };
}
