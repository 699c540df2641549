// Converts what the API holds (DataplaneNode inventories, Nodes, the pods on them) into the plain
// PlacementNode the pure placer works on.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { LABELS } from '../api/constants.ts';
import { parseCpuset, type PlacementNode, type Taint } from './placement/index.ts';
import { holdsResources } from './allocations.ts';

/** Millicores of a CPU quantity ("2", "500m", "1.5"); 0 when absent. */
export function cpuMillis(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(q.trim());
  if (!m) throw new Error(`not a CPU quantity: ${JSON.stringify(q)}`);
  return m[2] ? Math.ceil(Number(m[1])) : Math.ceil(Number(m[1]) * 1000);
}

export const isNodeReady = (node: V1Node): boolean =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export function podCpuRequestMillis(pod: V1Pod): number {
  const containers = pod.spec?.containers ?? [];
  const sum = containers.reduce((acc, c) => acc + cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu), 0);
  // Init containers run before the others: the pod needs the larger of the two.
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu)));
  return Math.max(sum, init);
}

type Hardware = Pick<PlacementNode, 'cpus' | 'reservedCpus' | 'vfs'>;
const hardwareByInventory = new WeakMap<DataplaneNode, Hardware>();

/**
 * A DataplaneNode's CPUs and VFs as the placer reads them. The same arrays for as long as the
 * informer holds the same object (an update replaces it), so the placer's topology index of the
 * node is reused across the many cache changes that do not touch the inventory (topology.ts).
 */
function hardwareOf(dpn: DataplaneNode): Hardware {
  let hw = hardwareByInventory.get(dpn);
  if (!hw) {
    hw = {
      cpus: dpn.spec.cpus.map((c) => ({ id: c.id, core: c.core, socket: c.socket, numa: c.numa })),
      reservedCpus: dpn.spec.reservedCpus ? parseCpuset(dpn.spec.reservedCpus) : [],
      vfs: (dpn.spec.vfs ?? []).map((v) => ({ pciAddress: v.pciAddress, pf: v.pf, numa: v.numa })),
    };
    hardwareByInventory.set(dpn, hw);
  }
  return hw;
}

/**
 * One PlacementNode per DataplaneNode whose Node exists. CPU requested by pods that are not ours is
 * counted, because dedicated CPUs are carved out of what those pods share.
 */
export function placementNodes(dataplaneNodes: readonly DataplaneNode[], nodes: readonly V1Node[], pods: readonly V1Pod[]): PlacementNode[] {
  const nodeByName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const otherRequests = new Map<string, number>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata?.labels?.[LABELS.dataplane] || !holdsResources(pod)) continue;
    otherRequests.set(nodeName, (otherRequests.get(nodeName) ?? 0) + podCpuRequestMillis(pod));
  }
  const out: PlacementNode[] = [];
  for (const dpn of dataplaneNodes) {
    const name = dpn.metadata.name!;
    const node = nodeByName.get(name);
    if (!node) continue;
    out.push({
      name,
      ready: isNodeReady(node),
      unschedulable: node.spec?.unschedulable ?? false,
      labels: node.metadata?.labels ?? {},
      taints: (node.spec?.taints ?? []).map((t): Taint => ({ key: t.key, value: t.value, effect: t.effect as Taint['effect'] })),
      ...hardwareOf(dpn),
      allocatableCpuMillis: cpuMillis(node.status?.allocatable?.cpu),
      nonDataplaneCpuRequestMillis: otherRequests.get(name) ?? 0,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
