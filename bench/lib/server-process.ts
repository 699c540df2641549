/**
 * A server under test, run as its own process: started on a given port, considered ready once it
 * accepts a TCP connection, stopped with SIGTERM (SIGKILL if it lingers).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { processCpuMs } from '../../src/lib/proc-stat.ts';

export interface ServerCommand { command: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv }

export interface StartOptions {
  timeoutMs?: number;
  /** Each complete line of the server's stderr as it arrives (the server says what it decides there). */
  onStderrLine?: (line: string) => void;
}

export class ServerProcess {
  private stderrTail = '';
  private partialLine = '';
  private exited = false;

  private constructor(readonly name: string, readonly port: number, private readonly child: ChildProcess, onStderrLine?: (line: string) => void) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-2000);
      if (!onStderrLine) return;
      const lines = (this.partialLine + d).split('\n');
      this.partialLine = lines.pop()!;
      for (const line of lines) onStderrLine(line);
    });
    child.stdout?.resume();
    child.once('exit', () => (this.exited = true));
  }

  static async start(name: string, port: number, cmd: ServerCommand, opts: StartOptions = {}): Promise<ServerProcess> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(name, port, child, opts.onStderrLine);
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(port))) {
      if (server.exited) throw new Error(`${name} exited before listening: ${server.stderrTail.trim()}`);
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms: ${server.stderrTail.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process died (a crash under load must fail the run, not skew it). */
  get alive(): boolean {
    return !this.exited;
  }

  /**
   * CPU time the server has used so far (user + system, all its threads), in ms, from
   * /proc/<pid>/stat (Linux, 100 clock ticks a second); undefined elsewhere. Work per request is
   * a steadier comparison than tail latency on a shared machine.
   */
  cpuMs(): number | undefined {
    try {
      return processCpuMs(this.child.pid!);
    } catch {
      return undefined;
    }
  }

  get stderr(): string {
    return this.stderrTail;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(killer);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
