// Pure summary of one node for DataplaneNode.status: what is dedicated to whom, what is free, and
// the shared pool (every CPU no dataplane holds), which the node agent gives to all other pods.
import type { DataplaneNodeStatus } from '../../api/dataplane-node.ts';
import { formatCpuset, freeCpus, sharedPool, type Allocation, type PlacementNode } from '../placement/index.ts';
import { setCondition } from '../dataplane/conditions.ts';
import type { Condition } from '../../api/dataplane.ts';

export interface NodeSummaryInput {
  node: PlacementNode | undefined;
  allocations: readonly Allocation[];
  generation: number;
  previous: readonly Condition[] | undefined;
  now: Date;
}

/** Our part of the status. appliedCpusets and appliedLocality belong to the node agent and are never written here. */
export function summarizeNode({ node, allocations, generation, previous, now }: NodeSummaryInput): DataplaneNodeStatus {
  if (!node) {
    return {
      observedGeneration: generation,
      conditions: setCondition(previous, { type: 'NodeFound', status: 'False', reason: 'NodeMissing', message: 'no Node of this name: nothing is placed here' }, generation, now),
    };
  }
  const mine = allocations.filter((a) => a.node === node.name).sort((a, b) => a.podKey.localeCompare(b.podKey));
  const held = mine.flatMap((a) => a.cpus);
  return {
    observedGeneration: generation,
    allocatedCpus: formatCpuset(held),
    sharedPool: formatCpuset(sharedPool(node, mine)),
    cpusTotal: node.cpus.length,
    cpusFree: freeCpus(node, mine).length,
    vfsTotal: node.vfs.length,
    vfsFree: node.vfs.length - mine.filter((a) => a.vf).length,
    allocations: mine.map((a) => ({ pod: a.podKey, dataplane: a.dataplaneKey, numa: a.numa, cpus: formatCpuset(a.cpus), ...(a.vf ? { vf: a.vf } : {}) })),
    conditions: setCondition(previous, { type: 'NodeFound', status: 'True', reason: 'NodeFound', message: node.ready ? 'node is Ready' : 'node is not Ready' }, generation, now),
  };
}
