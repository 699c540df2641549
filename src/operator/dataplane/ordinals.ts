// Stable replica identities (ADR 0012): replica i of Dataplane `cache` is always the pod `cache-i`.
// A pure plan of which ordinals to create and which pods to remove, from the pods that exist; the
// reconciler carries it out. Membership is the ordinals 0..replicas-1, so a consistent-hash ring
// built from the replicas' names (or positions) keeps every key of the members that stay.
import type { V1Pod } from '@kubernetes/client-node';

/** The pod name of replica `ordinal`. */
export const ordinalPodName = (dataplane: string, ordinal: number): string => `${dataplane}-${ordinal}`;

/**
 * The ordinal a pod name stands for, or undefined for a name that is no ordinal of this Dataplane
 * (a pod from before ordinals, with a random suffix). "cache-01" is not ordinal 1: one name per ordinal.
 */
export function ordinalOf(dataplane: string, podName: string): number | undefined {
  const prefix = `${dataplane}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9]\d{0,5})$/.test(rest) ? Number(rest) : undefined;
}

export interface MembershipInput {
  dataplane: string;
  replicas: number;
  /** Pods that serve or will: owned, not terminating, not failed. */
  live: readonly V1Pod[];
  /** Names still taken by other pods (terminating or failed ones, or not ours): their ordinals wait until they are gone. */
  taken: Pick<ReadonlySet<string>, 'has'>;
}

export interface MembershipPlan {
  /** Ordinals to create now, lowest first. */
  create: number[];
  /** Pods to remove now: ordinals at or above `replicas` (highest first), then, if still too many, pods without an ordinal. */
  remove: V1Pod[];
  /** Pods without an ordinal that stay for now: the rolling update replaces them one at a time. */
  unnumbered: V1Pod[];
}

export function planMembership({ dataplane, replicas, live, taken }: MembershipInput): MembershipPlan {
  const nameOf = (p: V1Pod) => p.metadata?.name ?? '';
  const numbered = live.filter((p) => ordinalOf(dataplane, nameOf(p)) !== undefined);
  let unnumbered = live.filter((p) => ordinalOf(dataplane, nameOf(p)) === undefined);
  const ordinal = (p: V1Pod) => ordinalOf(dataplane, nameOf(p))!;
  // Scale-in removes the highest ordinals, whatever they serve: the members stay 0..replicas-1.
  const beyond = numbered.filter((p) => ordinal(p) >= replicas).sort((a, b) => ordinal(b) - ordinal(a));
  const members = numbered.filter((p) => ordinal(p) < replicas);
  // Unnumbered pods (made before ordinals) count towards replicas until replaced; extras go first.
  const surplus = Math.max(0, members.length + unnumbered.length - replicas);
  const removeUnnumbered = [...unnumbered].sort(unnumberedRemovalOrder).slice(0, surplus);
  unnumbered = unnumbered.filter((p) => !removeUnnumbered.includes(p));
  const present = new Set(members.map(ordinal));
  const room = replicas - members.length - unnumbered.length;
  const create: number[] = [];
  for (let i = 0; i < replicas && create.length < room; i++) {
    if (!present.has(i) && !taken.has(ordinalPodName(dataplane, i))) create.push(i);
  }
  return { create, remove: [...beyond, ...removeUnnumbered], unnumbered };
}

/** Among unnumbered pods, the ones that serve least go first: unplaced, then not ready, then the newest. */
function unnumberedRemovalOrder(a: V1Pod, b: V1Pod): number {
  const rank = (p: V1Pod) => (!p.spec?.nodeName ? 0 : p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 2 : 1);
  const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return rank(a) - rank(b) || created(b) - created(a);
}

/**
 * The next replica a rolling update replaces, once all others serve: an outdated one that does not
 * serve anyway, else an unnumbered one (it becomes an ordinal), else the highest outdated ordinal
 * (StatefulSet's order). It comes back under the same name once it is gone.
 */
/** Sorts after every ordinal (replicas are at most 1000). */
const UNNUMBERED = 1e9;

export function nextToReplace(dataplane: string, outdated: readonly V1Pod[], isReady: (p: V1Pod) => boolean, allReady: boolean): V1Pod | undefined {
  const notReady = outdated.find((p) => !isReady(p));
  if (notReady) return notReady;
  if (!allReady) return undefined;
  const ord = (p: V1Pod) => ordinalOf(dataplane, p.metadata?.name ?? '') ?? UNNUMBERED;
  return [...outdated].sort((a, b) => ord(b) - ord(a))[0];
}
