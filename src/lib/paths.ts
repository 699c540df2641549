import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

/** Root of this repository (or of the installed package). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where ix-operator caches what it builds or creates (binaries, simulated clusters). */
export function cacheDir(): string {
  return process.env.IX_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ix-operator');
}
