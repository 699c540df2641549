// `ixctl run` as its own process, as a person starts it, for the tests that need the whole command
// (signals, the local controller, process memory): started on the flags given, waited for until it
// serves, its stderr kept, and stopped with SIGKILL by stopIxctlRuns() whatever a test left running.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { assertEngine, engineArgs } from './harness.ts';

export interface IxctlRun {
  proc: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log: () => string;
}

const running = new Set<ChildProcess>();

/**
 * Starts `ixctl run <args>` and resolves once it serves the memcached protocol (and its control API,
 * when the flags ask for one): the lines it writes when they listen.
 */
export async function startIxctlRun(args: readonly string[]): Promise<IxctlRun> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'run', ...engineArgs(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const control = args.includes('--control-port');
  await waitFor('ixctl run to serve', async () => {
    if (proc.exitCode !== null) throw new Error(`ixctl run exited: ${log}`);
    return log.includes('serving memcached protocol') && (!control || log.includes('control API on')) ? true : undefined;
  }, 30_000);
  const engine = /^ixctl run: engine (\S+) /m.exec(log)?.[1];
  assertEngine(engine ?? '(not said)');
  return { proc, log: () => log };
}

/** For after(): kills every `ixctl run` still running, so none keeps the test file alive. */
export function stopIxctlRuns(): void {
  for (const p of running) p.kill('SIGKILL');
}
