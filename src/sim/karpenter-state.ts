// What a test or a benchmark reads back of Karpenter's work: the nodes it launched and its NodeClaims.
import * as k8s from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { KARPENTER_NODEPOOL_LABEL } from './karpenter-resources.ts';

export interface NodeClaimView {
  name: string;
  nodeName?: string;
  instanceType?: string;
  deleting: boolean;
}

/** Nodes Karpenter launched (they carry their NodePool's label), by name. */
export async function launchedNodes(kc: k8s.KubeConfig): Promise<V1Node[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return (await core.listNode({ labelSelector: KARPENTER_NODEPOOL_LABEL })).items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

export async function nodeClaims(kc: k8s.KubeConfig): Promise<NodeClaimView[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  type Claim = { metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> }; status?: { nodeName?: string } };
  const list = (await custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })) as { items: Claim[] };
  return list.items.map((c) => ({
    name: c.metadata.name, nodeName: c.status?.nodeName, instanceType: c.metadata.labels?.['node.kubernetes.io/instance-type'], deleting: !!c.metadata.deletionTimestamp,
  }));
}
