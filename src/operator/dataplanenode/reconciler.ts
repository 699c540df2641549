// Keeps DataplaneNode.status a faithful summary of the allocations on its node. The pods remain the
// source of truth; this is what people (kubectl get dpn) and the node agent read.
import * as k8s from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import type { DataplaneNode } from '../../api/dataplane-node.ts';
import { API_VERSION, FIELD_MANAGER, GROUP, VERSION } from '../../api/constants.ts';
import type { AllocationBook } from '../allocation-book.ts';
import { placementNodes } from '../inventory.ts';
import type { Cache } from '../cache.ts';
import { stableJson } from '../dataplane/spec-hash.ts';
import { summarizeNode } from './status.ts';
import type { PodIndex } from '../pod-index.ts';

const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

export class DataplaneNodeReconciler {
  private readonly custom: k8s.CustomObjectsApi;

  constructor(kc: k8s.KubeConfig, private readonly caches: { dataplaneNodes: Cache<DataplaneNode>; nodes: Cache<V1Node>; podsByNode: Pick<PodIndex, 'get'> }, private readonly allocations: Pick<AllocationBook, 'nodeView'>) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  reconcile = async (name: string): Promise<void> => {
    const dpn = this.caches.dataplaneNodes.get(name);
    if (!dpn) return;
    const node = this.caches.nodes.get(name);
    // Only this node's pods: bound here, or placed here and not yet bound.
    const pods = this.caches.podsByNode.get(name);
    const [pn] = node ? placementNodes([dpn], [node], pods) : [];
    const { appliedCpusets: _agentOwned, appliedLocality: _agentOwnedToo, ...current } = dpn.status ?? {};
    const status = summarizeNode({ node: pn, allocations: this.allocations.nodeView(pods, name).allocations, generation: dpn.metadata.generation ?? 0, previous: current.conditions, now: new Date() });
    if (stableJson(status) === stableJson(current)) return;
    await this.custom.patchClusterCustomObjectStatus({
      group: GROUP, version: VERSION, plural: 'dataplanenodes', name, fieldManager: FIELD_MANAGER, force: true,
      body: { apiVersion: API_VERSION, kind: 'DataplaneNode', metadata: { name }, status },
    }, apply);
  };
}
