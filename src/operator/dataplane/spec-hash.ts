import { createHash } from 'node:crypto';
import type { Dataplane } from '../../api/dataplane.ts';

/**
 * Hash of the spec fields a pod is built from. A pod whose ix.dev/spec-hash differs is outdated and
 * is replaced by a rolling update. replicas, slo and rebalance are absent on purpose: they change
 * how many pods there are and how their cores move, not what a pod is, so changing them rolls nothing.
 */
export function podSpecHash(dp: Dataplane, defaultImage: string): string {
  const s = dp.spec;
  const relevant = {
    cores: s.cores, batchSize: s.batchSize, memory: s.memory, maxItemSize: s.maxItemSize, port: s.port,
    controlPort: s.controlPort, image: s.image ?? defaultImage, network: s.network ?? null, placement: s.placement,
  };
  return createHash('sha256').update(stableJson(relevant)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so the hash does not depend on key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
