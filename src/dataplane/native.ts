// The native addon (native/ixnative.c, ADR 0008) with its fallback: where it cannot be built (no C
// compiler, another OS), the dataplane still serves, on threads the OS places and with connections
// that stay on the thread that accepted them, and says so once at start.
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../lib/paths.ts';

export interface Native {
  /** A second descriptor for the same open socket (close-on-exec). */
  dup(fd: number): number;
  /** Pins the calling thread to these CPUs. */
  setAffinity(cpus: number[]): void;
  getAffinity(): number[];
  /** A non-blocking IPv4 listening socket with SO_REUSEPORT set before bind. */
  reusePortListen(host: string, port: number, backlog: number): number;
}

export const NATIVE_PATH = path.join(repoRoot, 'native', 'build', 'Release', 'ixnative.node');

let loaded: { native?: Native; unavailable?: string } | undefined;

export function loadNative(): { native?: Native; unavailable?: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { unavailable: `the native addon is Linux-only (this is ${process.platform})` });
  try {
    loaded = { native: createRequire(import.meta.url)(NATIVE_PATH) as Native };
  } catch (e) {
    loaded = { unavailable: `native addon not loaded from ${NATIVE_PATH} (${(e as Error).message.split('\n')[0]}); build it with npm run build:native (needs a C compiler, python3 and Node's headers)` };
  }
  return loaded;
}
