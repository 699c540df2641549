// Processes of a simulated cluster that outlive the command that started them (`ixctl sim up`
// returns; `ixctl sim down` stops them): each runs detached, its output in <dir>/<what>.log and its
// pid in <dir>/<what>.pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processState } from '../lib/proc-stat.ts';

export interface DaemonSpec {
  dir: string;
  what: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts the daemon; throws if one of that name is already running from the same directory. */
export function spawnDaemon(spec: DaemonSpec): number {
  fs.mkdirSync(spec.dir, { recursive: true });
  const running = daemonPid(spec.dir, spec.what);
  if (running) throw new Error(`${spec.what} runs already (pid ${running}, ${spec.dir})`);
  const out = fs.openSync(path.join(spec.dir, `${spec.what}.log`), 'a');
  const child = spawn(spec.file, spec.args, { stdio: ['ignore', out, out], detached: true, env: spec.env ?? process.env });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not start ${spec.file}`);
  fs.writeFileSync(path.join(spec.dir, `${spec.what}.pid`), String(child.pid));
  child.unref();
  return child.pid;
}

/** The pid of the daemon if it is running. */
export function daemonPid(dir: string, what: string): number | undefined {
  const file = path.join(dir, `${what}.pid`);
  const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined;
  return pid && isAlive(pid) ? pid : undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the daemon is gone and its pid file removed. */
export async function stopDaemon(dir: string, what: string, graceMs = 10_000): Promise<void> {
  const pid = daemonPid(dir, what);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  fs.rmSync(path.join(dir, `${what}.pid`), { force: true });
}

/** The last lines of the daemon's log, for an error message. */
export function daemonLogTail(dir: string, what: string, lines = 20): string {
  try {
    return fs.readFileSync(path.join(dir, `${what}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${what}.log in ${dir})`;
  }
}

/**
 * Whether a process of this pid runs. A zombie does not: a daemon that kwokctl forked and left is
 * reparented to whatever init this machine has, which may never reap it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 checks without sending anything
  } catch {
    return false;
  }
  try {
    return processState(pid) !== 'Z';
  } catch {
    return false;
  }
}
