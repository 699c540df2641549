// What the rebalancer does about pods whose /v1/load it cannot read: when it asks again, and what it logs. A pod is reported once when it
// becomes unreachable (not every round), and a round that loses many at once (a node gone, a
// network policy applied, a cluster of simulated nodes) gives one line that counts them, not a
// thousand lines that say the same thing.

export interface Unreachable { pod: string; error: string }

export interface LogLine { message: string; fields: Record<string, unknown> }

/** Up to this many newly unreachable pods in a round are logged one by one. */
export const SEPARATE_LINES_UP_TO = 3;
const SAMPLE_PODS = 5;
const SAMPLE_ERRORS = 3;

/** An error with the pod's address taken out, so the same failure on many pods groups together. */
export const errorKind = (error: string): string =>
  error.replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9a-f:]+\](?::\d+)?/gi, '<pod>');

export function unreachableLogLines(newly: readonly Unreachable[]): LogLine[] {
  if (newly.length <= SEPARATE_LINES_UP_TO) {
    return newly.map((u) => ({ message: 'cannot read the load of a dataplane pod', fields: { pod: u.pod, error: u.error } }));
  }
  const kinds = new Map<string, number>();
  for (const u of newly) kinds.set(errorKind(u.error), (kinds.get(errorKind(u.error)) ?? 0) + 1);
  const errors = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, SAMPLE_ERRORS).map(([error, pods]) => ({ error, pods }));
  return [{
    message: `cannot read the load of ${newly.length} dataplane pods; they are left out of rebalancing until they answer`,
    fields: { pods: newly.slice(0, SAMPLE_PODS).map((u) => u.pod), more: newly.length - Math.min(SAMPLE_PODS, newly.length), errors },
  }];
}

/** Longest wait before a pod that did not answer /v1/load is asked again. */
export const UNREACHABLE_MAX_BACKOFF_MS = 30_000;

/**
 * How long to leave a pod alone after its `failures`-th failed read in a row: one round, then
 * doubling up to UNREACHABLE_MAX_BACKOFF_MS, so a thousand pods the operator cannot reach (a network
 * policy, a partitioned node) cost a few requests a second, not a thousand every round.
 */
export const unreachableBackoffMs = (failures: number, intervalMs: number): number =>
  Math.min(intervalMs * 2 ** Math.max(0, failures - 1), UNREACHABLE_MAX_BACKOFF_MS);
