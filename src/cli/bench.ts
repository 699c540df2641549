import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Argument, type Command } from 'commander';
import { repoRoot } from '../lib/paths.ts';

export const BENCHMARKS = ['operator', 'dataplane', 'elasticity'] as const;
export type Benchmark = (typeof BENCHMARKS)[number];

/**
 * The command that runs a benchmark: the script of bench/ through tsx, as `npm run bench:<name>` does,
 * from the repository root (the scripts build and start what they measure from there). Benchmarks are
 * not in the images: they need a checkout.
 */
export function benchCommand(name: Benchmark, args: readonly string[], root = repoRoot): { file: string; args: string[]; cwd: string } {
  const script = path.join(root, 'bench', `${name}.ts`);
  if (!fs.existsSync(script)) throw new Error(`no ${path.relative(root, script)} under ${root}: benchmarks run from a checkout of the repository, not from an image`);
  return { file: process.execPath, args: ['--import', 'tsx', script, ...args], cwd: root };
}

/** `ixctl bench operator|dataplane|elasticity [-- flags]`: runs a benchmark script with the flags given. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run a benchmark of bench/ (operator: placement at cluster scale over kwok; dataplane: against memcached 1.6; elasticity: load traces against the local controller and static threads); flags after -- go to the benchmark')
    .addArgument(new Argument('<benchmark>', 'which benchmark').choices(BENCHMARKS))
    .argument('[flags...]', 'flags of the benchmark, e.g. -- --pods 1000 --nodes 200')
    .allowUnknownOption()
    .action(async (name: Benchmark, flags: string[]) => {
      const cmd = benchCommand(name, flags);
      const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, stdio: 'inherit' });
      // Ctrl-C reaches the benchmark itself (same process group): wait for it to clean up (it stops
      // its clusters) instead of dying first. A SIGTERM sent to ixctl alone is passed on.
      const ignore = () => {};
      const pass = () => void child.kill('SIGTERM');
      process.on('SIGINT', ignore);
      process.on('SIGTERM', pass);
      const code = await new Promise<number>((resolve) => child.on('close', (c, signal) => resolve(c ?? 128 + (signal ? os.constants.signals[signal] : 0))));
      process.off('SIGINT', ignore);
      process.off('SIGTERM', pass);
      process.exitCode = code;
    });
}
