/**
 * A server under test, run as its own process: started on a given port, considered ready once it
 * accepts a TCP connection, stopped with SIGTERM (SIGKILL if it lingers).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface ServerCommand { command: string; args: string[]; cwd?: string }

export class ServerProcess {
  private stderrTail = '';
  private exited = false;

  private constructor(readonly name: string, readonly port: number, private readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    child.stdout?.resume();
    child.once('exit', () => (this.exited = true));
  }

  static async start(name: string, port: number, cmd: ServerCommand, timeoutMs = 30_000): Promise<ServerProcess> {
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(name, port, child);
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
