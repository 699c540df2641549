// Ordering of candidate placements for one request; the first after sorting wins.
//
// Why this order:
// 1. Fewest replicas of the same Dataplane on the node: a node failure then takes out as few
//    replicas as possible. Availability comes before packing.
// 2. Fewest untolerated PreferNoSchedule taints, which is what that taint asks of a scheduler.
// 3. One NUMA cell before spanning cells (only prefer-single-numa produces spanning candidates):
//    remote memory and a VF on the other socket cost latency on every request.
// 4. Cells where the pod can later grow to maxCpus in place, because the rebalancer grows pods by
//    taking free cores of their own cell; a pod placed where it cannot grow has to be scaled out.
// 5. Among those, the cell left with the fewest free CPUs (best fit): small holes get filled and
//    large holes stay large for large requests, instead of every cell ending up half used. Among
//    cells without enough room, the one with the most room, so the pod can grow as far as possible.
// 6. Node name, then cell id, so equal scores always resolve the same way.
import type { Candidate } from './fit.ts';

/**
 * Negative when candidate a (on a node holding aReplicas of the Dataplane and aSoftTaints untolerated
 * PreferNoSchedule taints) goes before b. The node's figures are passed beside the candidate rather
 * than copied into it: the placer compares every candidate of every node for each replica.
 */
export function compareCandidates(a: Candidate, aReplicas: number, aSoftTaints: number, b: Candidate, bReplicas: number, bSoftTaints: number): number {
  return aReplicas - bReplicas
    || aSoftTaints - bSoftTaints
    || Number(a.spans) - Number(b.spans)
    || Number(b.hasRoom) - Number(a.hasRoom)
    || (a.hasRoom ? a.cellFreeAfter - b.cellFreeAfter : b.room - a.room)
    || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)
    || a.numa - b.numa;
}
