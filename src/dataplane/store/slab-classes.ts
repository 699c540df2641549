import { ITEM_HEADER_BYTES } from './layout.ts';

/** Smallest chunk: a header plus a short key and value. */
const MIN_CHUNK = ITEM_HEADER_BYTES + 48;

/**
 * Chunk sizes of the slab classes: geometric like memcached's (-f 1.25), 8-byte aligned, up to half
 * a page, then one class whose chunk is a whole page so the largest allowed item always fits.
 * Derived from the options alone so every thread computes the same table.
 */
export function slabChunkSizes(pageSize: number, factor = 1.25): number[] {
  const sizes: number[] = [];
  let size = MIN_CHUNK;
  while (size <= pageSize / 2 && sizes.length < 254) {
    sizes.push(size);
    size = Math.ceil((size * factor) / 8) * 8;
  }
  sizes.push(pageSize);
  return sizes;
}

/** Index of the smallest class whose chunk holds `total` bytes (total <= the last chunk size). */
export function classFor(sizes: readonly number[], total: number): number {
  let lo = 0;
  let hi = sizes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sizes[mid]! >= total) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
