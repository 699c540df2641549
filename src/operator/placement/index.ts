// The placement module's public surface: pure functions of node inventories and allocations.
export type {
  Allocation, CellHugepages, NumaPolicy, Placement, PlacementCpu, PlacementFailure, PlacementNode,
  PlacementOutcome, PlacementRequest, PlacementVf, RejectionKind, Taint, TaintEffect, Toleration,
} from './types.ts';
export { REJECTION_KINDS } from './types.ts';
export { formatCpuset, parseCpuset, MAX_CPU_ID } from '../../lib/cpuset.ts';
export { Placer, place } from './place.ts';
export { grow } from './grow.ts';
export type { GrowResult } from './grow.ts';
export { shrink } from './shrink.ts';
export type { ShrinkResult } from './shrink.ts';
export { freeCpus, sharedPool } from './pools.ts';
export { checkAllocations } from './check-allocations.ts';
export type { Violation, ViolationKind } from './check-allocations.ts';
export { tolerates } from './tolerations.ts';
