// Horizontal scaling of one Dataplane, pure: out when every replica runs on all the cores it may
// have and is still congested; in when the work of all replicas would fit, half-loaded, in one
// replica fewer at their minimum cores. Both must hold for a while, and changes are spaced, so a
// short burst or lull moves nothing (the rebalancer moves cores within a node in the meantime).

export interface ReplicaLoad {
  /** CPUs held, and the most it may hold (cores.max). */
  held: number;
  maxCpus: number;
  minCpus: number;
  /** Threads running. */
  active: number;
  idle: number;
  congested: boolean;
  idleEnough: boolean;
  /** The rebalancer could not grow it for want of free CPUs, though it is below its max. */
  stuck: boolean;
}

export interface AutoscaleBounds { enabled: boolean; minReplicas: number; maxReplicas: number }

export interface AutoscaleMemory {
  saturatedSince?: number;
  fitsSince?: number;
  lastScaleAt: number;
}

export interface AutoscaleTiming {
  /** Saturation that lasts this long scales out. */
  outAfterMs: number;
  /** Room that lasts this long scales in. */
  inAfterMs: number;
}

export type AutoscaleDecision = { action: 'hold' } | { action: 'out' | 'in'; to: number; reason: string };

/** Share of the remaining replicas' minimum cores the moved work may fill after a scale-in. */
const SCALE_IN_FILL = 0.5;

export function autoscale(bounds: AutoscaleBounds, replicas: number, loads: readonly ReplicaLoad[], mem: AutoscaleMemory, now: number, timing: AutoscaleTiming): AutoscaleDecision {
  // Only with a reading of every replica: a replica starting or failing says nothing about the load.
  const complete = loads.length === replicas && replicas > 0;
  const saturated = complete && bounds.enabled && loads.every((l) => l.congested && (l.held >= l.maxCpus || l.stuck));
  const busy = loads.reduce((n, l) => n + (1 - l.idle) * l.active, 0);
  const roomAfter = loads.length ? (replicas - 1) * Math.min(...loads.map((l) => l.minCpus)) * SCALE_IN_FILL : 0;
  const fits = complete && bounds.enabled && replicas > bounds.minReplicas && loads.every((l) => l.idleEnough) && busy <= roomAfter;
  mem.saturatedSince = saturated ? (mem.saturatedSince ?? now) : undefined;
  mem.fitsSince = fits ? (mem.fitsSince ?? now) : undefined;
  if (!bounds.enabled) return { action: 'hold' };
  if (mem.saturatedSince !== undefined && now - mem.saturatedSince >= timing.outAfterMs && replicas < bounds.maxReplicas && now - mem.lastScaleAt >= timing.outAfterMs) {
    const lasted = now - mem.saturatedSince;
    mem.lastScaleAt = now;
    mem.saturatedSince = undefined;
    const atMax = loads.filter((l) => l.held >= l.maxCpus).length;
    return {
      action: 'out', to: replicas + 1,
      reason: `all ${replicas} replica(s) congested for ${(lasted / 1000).toFixed(1)}s with no core left to add (${atMax} at cores.max, ${replicas - atMax} without free CPUs on their node): ${replicas} → ${replicas + 1}`,
    };
  }
  if (mem.fitsSince !== undefined && now - mem.fitsSince >= timing.inAfterMs && now - mem.lastScaleAt >= timing.inAfterMs) {
    const lasted = now - mem.fitsSince;
    mem.lastScaleAt = now;
    mem.fitsSince = undefined;
    return {
      action: 'in', to: replicas - 1,
      reason: `${busy.toFixed(2)} CPUs busy over ${replicas} idle replica(s) for ${(lasted / 1000).toFixed(1)}s fit in ${replicas - 1} at ${Math.round(SCALE_IN_FILL * 100)}% of their minimum cores (${roomAfter.toFixed(1)}): ${replicas} → ${replicas - 1}`,
    };
  }
  return { action: 'hold' };
}
