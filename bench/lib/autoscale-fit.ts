// The yardstick of bench:autoscale: how many replicas an instance type holds, by the pods' requests,
// and so the fewest nodes that would hold them all. Karpenter's kwok provider gives each node its
// instance type's capacity less kube-reserved (100m CPU, 10Mi memory: kwok/cloudprovider/helpers.go).
import type { InstanceTypeShape } from '../../src/sim/karpenter-resources.ts';
import { quantityToBytes } from '../../src/operator/dataplane/quantity.ts';

/** What one replica requests. */
export interface PodShape {
  cpuMillis: number;
  memoryBytes: number;
  vfs: number;
}

const RESERVED_CPU_MILLIS = 100;
const RESERVED_MEMORY_BYTES = 10 * 2 ** 20;
const MAX_PODS = 110;

export function podsPerNode(type: InstanceTypeShape, pod: PodShape): number {
  const byCpu = Math.floor((type.cpus * 1000 - RESERVED_CPU_MILLIS) / pod.cpuMillis);
  const byMemory = Math.floor((quantityToBytes(type.memory) - RESERVED_MEMORY_BYTES) / pod.memoryBytes);
  const byVfs = pod.vfs ? Math.floor(type.vfs / pod.vfs) : Infinity;
  return Math.max(0, Math.min(byCpu, byMemory, byVfs, MAX_PODS));
}

/** The fewest nodes of any one type that hold `replicas`: the largest type's count. */
export function fewestNodes(types: readonly InstanceTypeShape[], pod: PodShape, replicas: number): { nodes: number; type: string } {
  const best = [...types].sort((a, b) => podsPerNode(b, pod) - podsPerNode(a, pod))[0];
  if (!best || podsPerNode(best, pod) === 0) throw new Error('no instance type holds one replica');
  return { nodes: Math.ceil(replicas / podsPerNode(best, pod)), type: best.name };
}

/** The cheapest set of nodes that holds `replicas`, by an exhaustive search over counts (few types). */
export function cheapestFit(types: readonly InstanceTypeShape[], pod: PodShape, replicas: number): { price: number; nodes: number } {
  let best = { price: Infinity, nodes: Infinity };
  const search = (i: number, left: number, price: number, nodes: number): void => {
    if (price > best.price) return;
    if (left <= 0) {
      if (price < best.price || (price === best.price && nodes < best.nodes)) best = { price, nodes };
      return;
    }
    if (i === types.length) return;
    const per = podsPerNode(types[i]!, pod);
    const most = per ? Math.ceil(left / per) : 0;
    for (let n = most; n >= 0; n--) search(i + 1, left - n * per, price + n * types[i]!.price, nodes + n);
  };
  search(0, replicas, 0, 0);
  return best;
}
