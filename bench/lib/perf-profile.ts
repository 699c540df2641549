/**
 * Where a server's CPU goes during a step, from Linux perf: `perf record` on the server's process
 * (cpu-clock, so it works in VMs without hardware counters) while the step runs, then `perf report`
 * summed by shared object and symbol. Node servers run with --perf-basic-prof-only-functions, so
 * their JavaScript shows by function name; the kernel's share (TCP on loopback, io_uring) shows as
 * [kernel.kallsyms]. This is what a missed target's closing note shows.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerCommand } from './server-process.ts';

export const PERF_BIN = '/usr/bin/perf';

/** The command with what perf needs to name JavaScript frames (for Node servers; others unchanged). */
export function profiledCommand(cmd: ServerCommand): ServerCommand {
  if (cmd.command !== process.execPath) return cmd;
  return { ...cmd, env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--perf-basic-prof-only-functions'].filter(Boolean).join(' ') } };
}

export function requirePerf(): void {
  if (!fs.existsSync(PERF_BIN)) throw new Error(`--profile needs ${PERF_BIN}: apt-get install -y linux-perf`);
}

/**
 * Records `pid` while `work` runs and writes `<out>.data` and the report `<out>.txt`; returns the
 * report's top lines (self time by object and symbol).
 */
export async function profileDuring<T>(pid: number, out: string, work: () => Promise<T>): Promise<{ result: T; top: string[] }> {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const perf = spawn(PERF_BIN, ['record', '-F', '999', '-e', 'cpu-clock', '-g', '-p', String(pid), '-o', `${out}.data`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  perf.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => perf.on('close', resolve));
  let result: T;
  try {
    result = await work();
  } finally {
    perf.kill('SIGINT');
  }
  const code = await exited;
  if (code !== 0 && !fs.existsSync(`${out}.data`)) throw new Error(`perf record exited ${code}: ${stderr.trim()}`);
  const report = spawnSync(PERF_BIN, ['report', '-i', `${out}.data`, '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.5', '--sort', 'dso,symbol'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (report.status !== 0) throw new Error(`perf report failed: ${report.stderr.trim()}`);
  fs.writeFileSync(`${out}.txt`, report.stdout);
  return { result, top: topLines(report.stdout, 12) };
}

/** The first `n` rows of a perf report (its comment lines and blank lines dropped). */
export function topLines(report: string, n: number): string[] {
  // Each row ends with perf's IPC columns, "-" without hardware counters.
  return report.split('\n').filter((l) => /^\s+\d+\.\d+%/.test(l)).slice(0, n).map((l) => l.trim().replace(/(\s+-)+$/, '').replace(/\s+/g, ' '));
}

/** The symbol map a Node server wrote for perf (/tmp/perf-<pid>.map), removed once it is stopped. */
export function removePerfMap(pid: number | undefined): void {
  if (pid !== undefined) fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
