import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

/**
 * Root of this repository (or of the installed package): the nearest directory above this module
 * whose package.json is ix-operator's. Walking up works from src/lib (tsx) and from dist/ (bundle).
 */
export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ix-operator') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ix-operator package.json above ${from}`);
  }
}

/** Where ix-operator caches what it builds or creates (binaries, simulated clusters). */
export function cacheDir(): string {
  return process.env.IX_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ix-operator');
}
