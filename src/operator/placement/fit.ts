// Whether one node can take one request, and if so where: every NUMA cell that can hold the whole
// replica is a candidate; under prefer-single-numa a node whose cells are each too small can still
// hold it across cells. When nothing fits, the rejection names the check that got furthest, so the
// message says what is missing rather than the first cell's problem.
import { cellCapacity, chooseCpus } from './cpu-choice.ts';
import type { NodeOccupancy } from './occupancy.ts';
import type { PlacementRequest } from './types.ts';
import { chooseVf } from './vf-choice.ts';

export interface Candidate {
  node: string;
  /** Cell of the VF and hugepages; the cell with most of the CPUs when they span cells. */
  numa: number;
  cpus: number[];
  vf?: string;
  spans: boolean;
  /** CPUs the cell can still give after this placement. */
  cellFreeAfter: number;
  /** How many more CPUs the pod could grow by in place (cell and CPU budget both). */
  room: number;
  /** Whether room reaches the request's maxCpus. */
  hasRoom: boolean;
}

export type ResourceRejection =
  | { kind: 'cpuBudget'; needsMillis: number; freeMillis: number }
  | { kind: 'cpus'; needs: number; free: number }
  | { kind: 'vf' }
  | { kind: 'hugepages'; needs: number; free: number };

const STAGE: Record<ResourceRejection['kind'], number> = { cpus: 0, cpuBudget: 1, vf: 2, hugepages: 3 };

/** Keeps the rejection of the check that got furthest, and the most favourable figures within one kind. */
function further(a: ResourceRejection | null, b: ResourceRejection): ResourceRejection {
  if (!a || STAGE[b.kind] > STAGE[a.kind]) return b;
  if (STAGE[b.kind] < STAGE[a.kind]) return a;
  if (a.kind === 'cpus' && b.kind === 'cpus') return { kind: 'cpus', needs: a.needs, free: Math.max(a.free, b.free) };
  if (a.kind === 'hugepages' && b.kind === 'hugepages') {
    return { kind: 'hugepages', needs: a.needs, free: Math.max(a.free, b.free) };
  }
  if (a.kind === 'cpuBudget' && b.kind === 'cpuBudget') {
    return { kind: 'cpuBudget', needsMillis: Math.min(a.needsMillis, b.needsMillis), freeMillis: a.freeMillis };
  }
  return a;
}

export type NodeFit = { ok: true; candidates: Candidate[] } | { ok: false; rejection: ResourceRejection };

interface Part {
  numa: number;
  cpus: number[];
  capacity: number;
}

export function fitNode(occ: NodeOccupancy, request: PlacementRequest): NodeFit {
  const wholeCores = request.wholeCores ?? true;
  // The budget is checked after the CPUs are chosen: a full node has no budget left either, and
  // "too few free CPUs" is then the reason worth reading.
  const budgetFree = occ.budgetFreeMillis();
  let worst: ResourceRejection | null = null;
  const note = (r: ResourceRejection): void => {
    worst = further(worst, r);
  };
  // Every path that gives up has noted why; the fallback only satisfies the type.
  const rejected = (): NodeFit => ({ ok: false, rejection: worst ?? { kind: 'cpus', needs: request.cpus, free: 0 } });

  // Checks VF, budget and hugepages for a set of CPUs whose VF and hugepages go to `primary`.
  const finish = (parts: Part[], primary: Part): Candidate | null => {
    const cpus = parts.flatMap((p) => p.cpus).sort((a, b) => a - b);
    if (cpus.length * 1000 > budgetFree) {
      note({ kind: 'cpuBudget', needsMillis: cpus.length * 1000, freeMillis: budgetFree });
      return null;
    }
    let vf: string | undefined;
    if (request.needVf) {
      vf = chooseVf(occ, primary.numa, request.allowedPfs)?.pciAddress;
      if (vf === undefined) {
        note({ kind: 'vf' });
        return null;
      }
    }
    const hugepages = request.hugepagesBytes ?? 0;
    const hugepagesFree = occ.hugepagesFree(primary.numa);
    if (hugepages > 0 && hugepagesFree !== undefined && hugepagesFree < hugepages) {
      note({ kind: 'hugepages', needs: hugepages, free: hugepagesFree });
      return null;
    }
    const cellFreeAfter = primary.capacity - primary.cpus.length;
    const room = Math.min(cellFreeAfter, Math.floor((budgetFree - cpus.length * 1000) / 1000));
    const candidate: Candidate = {
      node: occ.topology.node.name,
      numa: primary.numa,
      cpus,
      spans: parts.filter((p) => p.cpus.length > 0).length > 1,
      cellFreeAfter,
      room,
      hasRoom: room >= Math.max(0, request.maxCpus - cpus.length),
    };
    if (vf !== undefined) candidate.vf = vf;
    return candidate;
  };

  const capacities = occ.topology.cells.map((numa) => ({ numa, capacity: cellCapacity(occ, numa, wholeCores) }));
  const candidates: Candidate[] = [];
  for (const { numa, capacity } of capacities) {
    if (capacity < request.cpus) {
      note({ kind: 'cpus', needs: request.cpus, free: capacity });
      continue;
    }
    const cpus = chooseCpus(occ, numa, request.cpus, wholeCores) as number[];
    const part = { numa, cpus, capacity };
    const candidate = finish([part], part);
    if (candidate) candidates.push(candidate);
  }
  if (candidates.length > 0) return { ok: true, candidates };
  if (capacities.length === 0) return { ok: false, rejection: { kind: 'cpus', needs: request.cpus, free: 0 } };
  if ((request.numaPolicy ?? 'single-numa') === 'single-numa') {
    return rejected();
  }

  // prefer-single-numa: fill from one cell as far as it goes, the rest from the roomiest other cells.
  const total = capacities.reduce((sum, c) => sum + c.capacity, 0);
  if (total < request.cpus) return { ok: false, rejection: { kind: 'cpus', needs: request.cpus, free: total } };
  worst = null;
  const byRoom = capacities.filter((c) => c.capacity > 0).sort((a, b) => b.capacity - a.capacity || a.numa - b.numa);
  for (const first of byRoom) {
    const parts: Part[] = [];
    let got = 0;
    for (const c of [first, ...byRoom.filter((c) => c !== first)]) {
      if (got >= request.cpus) break;
      const cpus = chooseCpus(occ, c.numa, Math.min(request.cpus - got, c.capacity), wholeCores) as number[];
      parts.push({ ...c, cpus });
      got += cpus.length;
    }
    // The VF goes with the cell holding most CPUs; on a tie the cell filled first keeps it.
    let primary = parts[0] as Part;
    for (const p of parts) if (p.cpus.length > primary.cpus.length) primary = p;
    const candidate = finish(parts, primary);
    if (candidate) return { ok: true, candidates: [candidate] };
  }
  return rejected();
}
