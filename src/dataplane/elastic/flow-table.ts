// IX's RSS indirection, in software: a connection's 4-tuple hashes into one of FLOW_GROUPS groups,
// and each group is owned by one elastic thread. A connection is therefore served by one thread for
// its whole life (no locks on its fast path), and changing the set of threads moves whole groups.

export const FLOW_GROUPS = 64;

/** FNV-1a over the 4-tuple: cheap, and stable for the life of the connection. */
export function flowGroup(remoteAddress: string, remotePort: number, localAddress: string, localPort: number, groups = FLOW_GROUPS): number {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(remoteAddress);
  mix(`:${remotePort}>`);
  mix(localAddress);
  mix(`:${localPort}`);
  return (h >>> 0) % groups;
}

/**
 * Owners of every group for the thread ids `threads`, moving as few groups as possible from
 * `previous`: groups of threads that remain stay where they are unless their owner holds more than
 * its share; orphaned and surplus groups go to the threads with fewest. Every thread ends with
 * floor(G/n) or ceil(G/n) groups. Deterministic.
 */
export function assignGroups(threads: readonly number[], previous?: readonly number[], groups = FLOW_GROUPS): number[] {
  if (threads.length === 0) throw new Error('at least one thread must own the flow groups');
  const ids = [...new Set(threads)].sort((a, b) => a - b);
  const n = ids.length;
  const base = Math.floor(groups / n);
  const extra = groups % n;
  // The first `extra` threads (in id order) may hold one more group.
  const quota = new Map(ids.map((t, i) => [t, base + (i < extra ? 1 : 0)]));
  const count = new Map(ids.map((t) => [t, 0]));
  const owners = new Array<number>(groups).fill(-1);
  if (previous && previous.length === groups) {
    for (let g = 0; g < groups; g++) {
      const o = previous[g]!;
      if (quota.has(o) && count.get(o)! < quota.get(o)!) {
        owners[g] = o;
        count.set(o, count.get(o)! + 1);
      }
    }
  }
  for (let g = 0; g < groups; g++) {
    if (owners[g] !== -1) continue;
    const t = ids.find((id) => count.get(id)! < quota.get(id)!)!;
    owners[g] = t;
    count.set(t, count.get(t)! + 1);
  }
  return owners;
}

/** Groups whose owner differs between two assignments. */
export function movedGroups(before: readonly number[], after: readonly number[]): number[] {
  const out: number[] = [];
  for (let g = 0; g < after.length; g++) if (before[g] !== after[g]) out.push(g);
  return out;
}
