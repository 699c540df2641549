// Node inventories and requests for the placement tests, laid out the way Linux numbers CPUs on
// x86: first threads of all cores get 0..C-1, their hyperthread siblings C..2C-1, so the siblings
// of core k are k and k + C.
import type { PlacementCpu, PlacementNode, PlacementRequest, PlacementVf } from '../../../src/operator/placement/index.ts';

export interface NodeShape {
  name?: string;
  cells?: number;
  coresPerCell?: number;
  threadsPerCore?: number;
  reservedCpus?: number[];
  vfsPerCell?: number;
  pfs?: string[];
  allocatableCpuMillis?: number;
  nonDataplaneCpuRequestMillis?: number;
}

/** `interleaved` numbers siblings next to each other instead (core k = CPUs 2k, 2k+1), as some firmware does. */
export function cpuLayout(cells: number, coresPerCell: number, threadsPerCore: number, interleaved = false): PlacementCpu[] {
  const cores = cells * coresPerCell;
  const cpus: PlacementCpu[] = [];
  for (let t = 0; t < threadsPerCore; t++) {
    for (let c = 0; c < cores; c++) {
      const numa = Math.floor(c / coresPerCell);
      const id = interleaved ? c * threadsPerCore + t : t * cores + c;
      cpus.push({ id, core: c % coresPerCell, socket: numa, numa });
    }
  }
  return cpus.sort((a, b) => a.id - b.id);
}

/**
 * VFs at 0000:<cell+1>b:00.<i>, alternating between the two ports of the cell's NIC
 * (ens<cell+1>f0, ens<cell+1>f1) unless `pfs` names the PFs to alternate between.
 */
export function vfLayout(cells: number, vfsPerCell: number, pfs?: string[]): PlacementVf[] {
  const vfs: PlacementVf[] = [];
  for (let numa = 0; numa < cells; numa++) {
    const names = pfs ?? [`ens${numa + 1}f0`, `ens${numa + 1}f1`];
    for (let i = 0; i < vfsPerCell; i++) {
      vfs.push({ pciAddress: `0000:${(numa + 1).toString(16)}b:00.${i}`, pf: names[i % names.length] as string, numa });
    }
  }
  return vfs;
}

export function makeNode(shape: NodeShape = {}, extra: Partial<PlacementNode> = {}): PlacementNode {
  const cells = shape.cells ?? 1;
  const coresPerCell = shape.coresPerCell ?? 4;
  const threads = shape.threadsPerCore ?? 2;
  const cpus = cpuLayout(cells, coresPerCell, threads);
  return {
    name: shape.name ?? 'node-a',
    ready: true,
    unschedulable: false,
    labels: {},
    taints: [],
    cpus,
    reservedCpus: shape.reservedCpus ?? [],
    vfs: vfLayout(cells, shape.vfsPerCell ?? 2, shape.pfs),
    allocatableCpuMillis: shape.allocatableCpuMillis ?? cpus.length * 1000,
    nonDataplaneCpuRequestMillis: shape.nonDataplaneCpuRequestMillis ?? 0,
    ...extra,
  };
}

export function request(podKey: string, cpus: number, extra: Partial<PlacementRequest> = {}): PlacementRequest {
  return { podKey, dataplaneKey: 'default/dp', cpus, maxCpus: cpus, needVf: false, ...extra };
}
