// IX's control policy (ixcp), as a pure function: from the congestion EWMAs of the threads running
// now, decide whether to add a core, remove one, or hold. The loop that samples and applies the
// decision lives apart, so traces can be replayed through this function in tests.
//   add    when the mean queue length is above `addQueueLength` (IX: 32), or when the queuing delay
//          threatens the SLO (above half of it: the other half is the service time's share) while
//          the threads are busy (an idle event loop is late only because others hold the CPU, which
//          another thread would not cure), unless at `max` or within `addCooldownMs` of the last change;
//   remove when the mean queue length is below `removeQueueLength` (IX: 8) AND the threads are
//          idle more than `removeIdleFraction`, AND the load would still fit on one core fewer
//          (their busy time spread over n - 1 stays under the add threshold's utilisation),
//          unless at `min` or within `removeCooldownMs` of the last change.
// Hysteresis (two thresholds, the fit check, and a longer remove cooldown) keeps a steady load from
// flapping between n and n + 1 cores.

export interface ThreadLoad {
  queueLength: number;
  queueDelayUs: number;
  /** 0..1 */
  idle: number;
}

export interface CorePolicyConfig {
  min: number;
  max: number;
  addQueueLength: number;
  removeQueueLength: number;
  removeIdleFraction: number;
  sloP99Us: number;
  addCooldownMs: number;
  removeCooldownMs: number;
}

export interface PolicyState {
  active: number;
  /** When the active count last changed (ms, any monotonic clock). */
  lastChangeAt: number;
}

export type CoreDecision =
  | { action: 'add'; to: number; reason: string }
  | { action: 'remove'; to: number; reason: string }
  | { action: 'hold'; reason: string };

/**
 * The congestion signals of a set of threads, as both levels of the control plane judge them: the
 * mean queue length and idle share, and the worst queuing delay (one late thread is enough to
 * threaten the SLO of the flows it serves).
 */
export interface CongestionSummary {
  queueLength: number;
  queueDelayUs: number;
  idle: number;
}

export type CongestionThresholds = Pick<CorePolicyConfig, 'addQueueLength' | 'removeQueueLength' | 'removeIdleFraction' | 'sloP99Us'>;

/** No samples read as an idle set of threads. */
export function summarizeLoad(load: readonly ThreadLoad[]): CongestionSummary {
  if (load.length === 0) return { queueLength: 0, queueDelayUs: 0, idle: 1 };
  const mean = (f: (t: ThreadLoad) => number) => load.reduce((s, t) => s + f(t), 0) / load.length;
  return { queueLength: mean((t) => t.queueLength), queueDelayUs: Math.max(...load.map((t) => t.queueDelayUs)), idle: mean((t) => t.idle) };
}

/**
 * One predicate for "needs another core", used by the local controller (add a thread) and by the
 * operator's rebalancer (grant a CPU, scale out), so the two levels never disagree on what
 * congestion is. The delay counts only while the threads are busy: an idle event loop is late only
 * because something else holds the CPU, which another thread would not cure.
 */
export const isCongested = (s: CongestionSummary, t: CongestionThresholds): boolean =>
  s.queueLength > t.addQueueLength || (s.idle < t.removeIdleFraction && s.queueDelayUs > t.sloP99Us / 2);

/** "Could do with a core fewer", before the fit check: a short queue and mostly idle. */
export const isQuiet = (s: CongestionSummary, t: CongestionThresholds): boolean =>
  s.queueLength < t.removeQueueLength && s.idle > t.removeIdleFraction;

/** Utilisation a thread may reach after a removal before the remaining ones would be congested. */
const MAX_UTILISATION_AFTER_REMOVE = 0.75;

export function decideCores(load: readonly ThreadLoad[], state: PolicyState, cfg: CorePolicyConfig, now: number): CoreDecision {
  const n = state.active;
  if (n < cfg.min) return { action: 'add', to: cfg.min, reason: `${n} active cores is below the minimum ${cfg.min}` };
  if (n > cfg.max) return { action: 'remove', to: cfg.max, reason: `${n} active cores is above the maximum ${cfg.max}` };
  if (load.length === 0) return { action: 'hold', reason: 'no load samples yet' };
  const summary = summarizeLoad(load);
  const { queueLength: queue, queueDelayUs: delayUs, idle } = summary;
  const since = now - state.lastChangeAt;
  const numbers = `queue ${queue.toFixed(1)}, delay ${Math.round(delayUs)} µs, idle ${(idle * 100).toFixed(0)}% on ${n} core(s)`;

  if (isCongested(summary, cfg)) {
    if (n >= cfg.max) return { action: 'hold', reason: `congested at the maximum of ${cfg.max} cores (${numbers})` };
    if (since < cfg.addCooldownMs) return { action: 'hold', reason: `congested, cooling down ${cfg.addCooldownMs - since} ms more (${numbers})` };
    const why = queue > cfg.addQueueLength ? `queue ${queue.toFixed(1)} > ${cfg.addQueueLength}` : `delay ${Math.round(delayUs)} µs > half the ${cfg.sloP99Us} µs SLO`;
    return { action: 'add', to: n + 1, reason: `${why} (${numbers})` };
  }

  if (isQuiet(summary, cfg) && n > cfg.min) {
    const busyAfter = ((1 - idle) * n) / (n - 1);
    if (busyAfter > MAX_UTILISATION_AFTER_REMOVE) return { action: 'hold', reason: `idle, but ${n - 1} core(s) would be ${(busyAfter * 100).toFixed(0)}% busy (${numbers})` };
    if (since < cfg.removeCooldownMs) return { action: 'hold', reason: `idle, cooling down ${cfg.removeCooldownMs - since} ms more (${numbers})` };
    return { action: 'remove', to: n - 1, reason: `queue ${queue.toFixed(1)} < ${cfg.removeQueueLength} and idle ${(idle * 100).toFixed(0)}% > ${(cfg.removeIdleFraction * 100).toFixed(0)}% (${numbers})` };
  }
  return { action: 'hold', reason: numbers };
}
