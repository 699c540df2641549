import type { Condition } from '../../api/dataplane.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * Conditions after setting `next`: lastTransitionTime moves only when the status changes (what
 * `kubectl wait` and alerting on "False for 10 minutes" rely on), observedGeneration always.
 */
export function setCondition(current: readonly Condition[] | undefined, next: ConditionInput, generation: number, now: Date): Condition[] {
  const list = [...(current ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const merged: Condition = {
    ...next,
    observedGeneration: generation,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export const findCondition = (list: readonly Condition[] | undefined, type: string): Condition | undefined =>
  list?.find((c) => c.type === type);
