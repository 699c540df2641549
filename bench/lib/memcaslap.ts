/**
 * Debian's memcaslap (libmemcached-tools) as a second, external load generator: closed-loop, each
 * of its connections waits for a reply before the next request, so it measures the throughput a
 * server sustains without any of the project's generator in the way. Same mix, key and value sizes
 * as the project's workload; pipelining it cannot do, so it runs at depth 1 only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkloadSpec } from '../loadgen/workload.ts';
import type { Target } from '../loadgen/messages.ts';

export const MEMCASLAP_BIN = '/usr/bin/memcaslap';

export interface MemcaslapRun {
  connections: number;
  threads: number;
  seconds: number;
}

export interface MemcaslapResult {
  /** Operations per second memcaslap reports over the whole run. */
  tps: number;
  ops: number;
  getMisses: number;
}

/** memcaslap's configuration file: key and value size ranges and the set (0) / get (1) mix. */
export function memcaslapConfig(w: WorkloadSpec): string {
  return ['key', `${w.keySize} ${w.keySize} 1`, 'value', `${w.valueSize} ${w.valueSize} 1`, 'cmd', `0 ${(1 - w.getRatio).toFixed(3)}`, `1 ${w.getRatio.toFixed(3)}`, ''].join('\n');
}

/** Its summary line: "Run time: 2.0s Ops: 97668 TPS: 48822 Net_rate: 8.3M/s", and the miss count. */
export function parseMemcaslap(out: string): MemcaslapResult {
  const m = /Run time: [\d.]+s Ops: (\d+) TPS: (\d+)/.exec(out);
  if (!m) throw new Error(`memcaslap printed no summary: ${out.trim().split('\n').slice(-5).join(' | ')}`);
  return { ops: Number(m[1]), tps: Number(m[2]), getMisses: Number(/get_misses: (\d+)/.exec(out)?.[1] ?? 0) };
}

export async function runMemcaslap(target: Target, workload: WorkloadSpec, run: MemcaslapRun): Promise<MemcaslapResult> {
  if (!fs.existsSync(MEMCASLAP_BIN)) throw new Error(`${MEMCASLAP_BIN} not found: apt-get install -y libmemcached-tools (scripts/install-test-deps.sh installs it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-memcaslap-'));
  try {
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, memcaslapConfig(workload));
    // memcaslap wants fewer servers than threads and at least one connection per thread.
    const threads = Math.max(1, Math.min(run.threads, run.connections));
    const args = ['-s', `${target.host}:${target.port}`, '-F', config, '-T', String(threads), '-c', String(run.connections), '-t', `${run.seconds}s`];
    const child = spawn(MEMCASLAP_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 30) * 1000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    if (code !== 0) throw new Error(`memcaslap ${args.join(' ')} exited ${code}: ${out.trim().split('\n').slice(-5).join(' | ')}`);
    return parseMemcaslap(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
