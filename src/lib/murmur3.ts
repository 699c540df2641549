// MurmurHash3, x86 32-bit variant, seed 0: memcached 1.6's default hash. This server hashes its
// own table with FNV-1a (store/hash.ts); murmur3 is only needed where memcached's output order
// follows its hash (the prefix table of `stats detail dump`).

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function mixBlock(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}

export function murmur3(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const len = end - start;
  let h = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    // Blocks read little-endian, as memcached reads them on the CPUs it runs on.
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = Math.imul(rotl(h ^ mixBlock(k), 13), 5) + 0xe6546b64 | 0;
  }
  // The last 1-3 bytes, little-endian as well.
  const rest = end - i;
  if (rest > 0) {
    let tail = bytes[i]!;
    if (rest > 1) tail |= bytes[i + 1]! << 8;
    if (rest > 2) tail |= bytes[i + 2]! << 16;
    h ^= mixBlock(tail);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
