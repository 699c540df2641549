import type { CpuInfo, DataplaneNode, VfInfo } from '../api/dataplane-node.ts';
import { API_VERSION } from '../api/constants.ts';

export interface FakeInventorySpec {
  name: string;
  cpus: number;
  /** NUMA cells = sockets. */
  numaCells?: number;
  threadsPerCore?: 1 | 2;
  vfs: number;
  /** Cores per cell kept for the system (core 0 of each cell and its siblings). */
  reservedCoresPerCell?: number;
}

/**
 * The DataplaneNode a node agent would publish for a typical Linux server: CPUs numbered first
 * thread of every core (socket by socket), then the second threads (so CPU i and i + cpus/2 are
 * siblings); one physical function per cell, its VFs on that cell.
 */
export function buildFakeInventory(spec: FakeInventorySpec): DataplaneNode {
  const cells = spec.numaCells ?? 2;
  const tpc = spec.threadsPerCore ?? 2;
  const coresTotal = spec.cpus / tpc;
  if (!Number.isInteger(coresTotal) || coresTotal % cells !== 0) {
    throw new Error(`${spec.cpus} CPUs do not split into ${cells} NUMA cells of whole ${tpc}-thread cores`);
  }
  const coresPerCell = coresTotal / cells;
  const cpus: CpuInfo[] = [];
  for (let id = 0; id < spec.cpus; id++) {
    const coreIndex = id % coresTotal;
    const socket = Math.floor(coreIndex / coresPerCell);
    cpus.push({ id, core: coreIndex % coresPerCell, socket, numa: socket });
  }
  const reservedPerCell = spec.reservedCoresPerCell ?? 1;
  const reserved = cpus.filter((c) => c.core < reservedPerCell).map((c) => c.id);
  const vfs: VfInfo[] = [];
  for (let i = 0; i < spec.vfs; i++) {
    const cell = i % cells;
    const k = Math.floor(i / cells);
    const bus = (0x3b + 0x74 * cell).toString(16).padStart(2, '0');
    vfs.push({
      pciAddress: `0000:${bus}:${(2 + Math.floor(k / 8)).toString(16).padStart(2, '0')}.${k % 8}`,
      pf: `ens${cell + 1}f0`, pfPciAddress: `0000:${bus}:00.0`, index: k, numa: cell, driver: 'iavf',
    });
  }
  return {
    apiVersion: API_VERSION,
    kind: 'DataplaneNode',
    metadata: { name: spec.name },
    spec: {
      cpus,
      reservedCpus: reserved.join(','),
      numaCells: Array.from({ length: cells }, (_, id) => ({ id, cpus: cpus.filter((c) => c.numa === id).map((c) => c.id).join(',') })),
      vfs,
    },
  };
}
