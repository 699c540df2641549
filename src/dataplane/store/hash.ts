/** FNV-1a over key bytes in place: keys are never turned into strings. */
export function hashKey(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h; // signed int32, as stored in the item header
}
