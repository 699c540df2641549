// The operator as a process of its own (`ixctl operator`), for tests that SIGKILL it: bundled once
// with esbuild (a bundle starts in about a second, tsx in about three), its log kept per run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../../src/lib/paths.ts';

// Under node_modules, so the bundle's external packages resolve from the project's node_modules.
const BUNDLE_DIR = path.join(repoRoot, 'node_modules', '.cache', 'ix-operator-tests');

let bundled: Promise<string> | undefined;

/** Bundles src/cli/main.ts (once per test process) and returns the bundle's path. */
export function operatorBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = path.join(BUNDLE_DIR, `ixctl-${process.pid}.mjs`);
    await build({
      entryPoints: [path.join(repoRoot, 'src', 'cli', 'main.ts')], outfile, bundle: true, platform: 'node', format: 'esm',
      target: 'node26', packages: 'external', logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

export class OperatorProcess {
  private exit: Promise<number | null>;
  exited = false;
  /** Whether it has logged "operator started" (caches synced, reconciling). */
  started = false;
  private readonly onStarted: (() => void)[] = [];

  private constructor(readonly child: ChildProcess, readonly logFile: string) {
    this.exit = new Promise((resolve) => child.once('exit', (code) => {
      this.exited = true;
      resolve(code);
    }));
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    let tail = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
      if (!this.started && tail.includes('"message":"operator started"')) {
        this.started = true;
        for (const f of this.onStarted.splice(0)) f();
      }
    });
    child.stderr!.once('close', () => log.end());
  }

  /** Starts `ixctl operator` with these flags; its stderr (the JSON log) is appended to `logFile`. */
  static async start(args: string[], logFile: string): Promise<OperatorProcess> {
    const bundle = await operatorBundle();
    const child = spawn(process.execPath, [bundle, 'operator', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, IX_LOG_LEVEL: 'info' } });
    return new OperatorProcess(child, logFile);
  }

  /** Resolves once it reconciles, or after `timeoutMs` whatever it does (false then). */
  whenStarted(timeoutMs: number): Promise<boolean> {
    if (this.started) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.onStarted.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** SIGKILL: no handler runs, nothing is released or flushed. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, as a Deployment's rollout sends it: the operator stops and exits by itself. */
  async stop(): Promise<number | null> {
    if (!this.exited) this.child.kill('SIGTERM');
    return this.exit;
  }
}

export function removeOperatorBundle(): void {
  if (bundled) void bundled.then((f) => fs.rmSync(f, { force: true }), () => {});
}
