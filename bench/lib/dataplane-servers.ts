/**
 * The three servers the dataplane benchmark compares, as commands for a port and a thread count.
 */
import { repoRoot } from '../../src/lib/paths.ts';
import type { ServerCommand } from './server-process.ts';

export interface BenchServer {
  name: string;
  /** Threads the server really uses for this run (the baseline has one event loop whatever is asked). */
  threads: (asked: number) => number;
  command: (port: number, threads: number) => ServerCommand;
}

export const MEMCACHED_BIN = '/usr/bin/memcached';

/**
 * This repo's dataplane, from `root` (by default this working tree; another checkout, e.g. an
 * export of a commit, benchmarks that version while the working tree is being edited).
 */
export function dataplaneServer(root = repoRoot): BenchServer {
  return {
    name: 'dataplane',
    threads: (t) => t,
    command: (port, t) => ({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/main.ts', 'run', '-p', String(port), '-l', '127.0.0.1', '-t', String(t), '-m', '256'],
      cwd: root,
    }),
  };
}

export const MEMCACHED: BenchServer = {
  name: 'memcached',
  threads: (t) => t,
  command: (port, t) => ({
    command: MEMCACHED_BIN,
    // -U 0: no UDP listener. memcached refuses to run as root unless told which user to be.
    args: ['-p', String(port), '-l', '127.0.0.1', '-t', String(t), '-m', '256', '-U', '0', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])],
  }),
};

export const BASELINE: BenchServer = {
  name: 'baseline',
  threads: () => 1,
  command: (port) => ({
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/baseline/main.ts', '-p', String(port), '-l', '127.0.0.1'],
    cwd: repoRoot,
  }),
};

export const BENCH_SERVERS: readonly BenchServer[] = [dataplaneServer(), MEMCACHED, BASELINE];
