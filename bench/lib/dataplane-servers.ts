/**
 * The servers the dataplane benchmark compares, as commands for a port and a thread count: the
 * dataplane on each of its engines, Debian's memcached, the straightforward Node.js baseline and
 * the floor reference (bench/floor/floor.c).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';
import { compileC } from './compile-c.ts';
import type { ServerCommand } from './server-process.ts';

export interface BenchServer {
  name: string;
  /** Threads the server really uses for this run (the baseline and the floor have one whatever is asked). */
  threads: (asked: number) => number;
  command: (port: number, threads: number) => ServerCommand;
  /** Set when this server cannot run here: why, printed in its place in every table. */
  absent?: string;
}

export const MEMCACHED_BIN = '/usr/bin/memcached';

export const DATAPLANE_ENGINES = ['io_uring', 'libuv'] as const;
export type DataplaneEngine = (typeof DATAPLANE_ENGINES)[number];

/** The engines `run --help` of the dataplane at `root` offers (none: it predates --engine). */
export function offeredEngines(root: string): DataplaneEngine[] {
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--help'], { cwd: root, encoding: 'utf8' });
  if (help.status !== 0) throw new Error(`cannot read the dataplane's options (src/cli/main.ts run --help in ${root}): ${help.stderr.trim()}`);
  return enginesInHelp(help.stdout);
}

/** The engines the --engine line of `run --help` names (none without that line). */
export function enginesInHelp(help: string): DataplaneEngine[] {
  const line = help.split('\n').find((l) => /--engine\b/.test(l));
  return line ? DATAPLANE_ENGINES.filter((e) => line.includes(e)) : [];
}

/**
 * This repo's dataplane, from `root` (by default this working tree; another checkout, e.g. an
 * export of a commit, benchmarks that version while the working tree is being edited), on one
 * engine, or on its default (auto) when none is named. `offered` is what its --engine offers
 * (offeredEngines): a dataplane without --engine has only today's libuv path, so it runs as that
 * and io_uring is absent.
 */
export function dataplaneServer(opts: { engine?: DataplaneEngine; root?: string; offered?: readonly string[] } = {}): BenchServer {
  const { engine, root = repoRoot, offered = [] } = opts;
  const engineArgs = engine && offered.length > 0 ? ['--engine', engine] : [];
  let absent: string | undefined;
  if (engine === 'io_uring' && offered.length === 0) absent = 'this dataplane has no --engine option: the io_uring engine has not landed in it';
  else if (engine && offered.length > 0 && !offered.includes(engine)) absent = `this dataplane's --engine offers ${offered.join(', ')}, not ${engine}`;
  return {
    name: engine ? `dataplane-${engine}` : 'dataplane',
    threads: (t) => t,
    command: (port, t) => ({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/main.ts', 'run', '-p', String(port), '-l', '127.0.0.1', '-t', String(t), '-m', '256', ...engineArgs],
      cwd: root,
    }),
    absent,
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

/** The floor reference, built with cc on first use; its values are `valueSize` bytes like the workload's. */
export function floorServer(valueSize: number): BenchServer {
  let binary: string | undefined;
  let absent: string | undefined;
  try {
    binary = compileC(path.join(repoRoot, 'bench', 'floor', 'floor.c'));
  } catch (err) {
    absent = err instanceof Error ? err.message : String(err);
  }
  return {
    name: 'floor',
    threads: () => 1,
    command: (port) => ({ command: binary!, args: ['-p', String(port), '-l', '127.0.0.1', '-v', String(valueSize)] }),
    absent,
  };
}

export const SERVER_NAMES = ['dataplane-io_uring', 'dataplane-libuv', 'memcached', 'baseline', 'floor'] as const;

/** The servers named, in that order. */
export function benchServers(names: readonly string[], opts: { dataplaneRoot: string; valueSize: number }): BenchServer[] {
  const offered = names.some((n) => n.startsWith('dataplane-')) ? offeredEngines(opts.dataplaneRoot) : [];
  return names.map((n) => {
    const engine = DATAPLANE_ENGINES.find((e) => n === `dataplane-${e}`);
    if (engine) return dataplaneServer({ engine, root: opts.dataplaneRoot, offered });
    if (n === 'memcached') return MEMCACHED;
    if (n === 'baseline') return BASELINE;
    if (n === 'floor') return floorServer(opts.valueSize);
    throw new Error(`--servers: unknown server ${n} (known: ${SERVER_NAMES.join(', ')})`);
  });
}
