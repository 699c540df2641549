// Shared by the differential tests: a real memcached and our server side by side, and a client
// that sends byte sequences exactly as given (each chunk its own write) and collects the answer.
import { after, before } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/lib/net.ts';
import { DataplaneServer } from '../../src/dataplane/server.ts';
import type { DataplaneOptions } from '../../src/dataplane/server.ts';
import { ENGINES, type EngineChoice } from '../../src/dataplane/engine.ts';

export function requireTool(bin: string, pkg: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) {
    throw new Error(`${bin} is not installed: these tests need it (Debian: apt-get install -y ${pkg}, or npm run setup:test)`);
  }
  return path;
}

export interface RealMemcached {
  port: number;
  stop(): Promise<void>;
}

/** Debian's memcached on a free loopback port: one thread, no UDP, 64 MiB, like our defaults. */
export async function startMemcached(extraArgs: string[] = []): Promise<RealMemcached> {
  const bin = requireTool('memcached', 'memcached');
  const port = await freePort();
  // memcached refuses to run as root unless told which user to be.
  const user = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const child: ChildProcess = spawn(bin, ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-t', '1', '-m', '64', ...user, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`memcached exited with ${child.exitCode}: ${stderr}`);
    if (await canConnect(port)) {
      return {
        port,
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`memcached did not start listening on ${port}: ${stderr}`);
}

/**
 * memcached with the features off that this server answers as absent (ADR 0016): no LRU
 * maintainer (one LRU per class, dead items reclaimed at allocation), no slab page mover, no watch,
 * no binary protocol.
 */
export const FEATURES_OFF = ['-W', '-B', 'ascii', '-o', 'no_lru_maintainer,no_slab_reassign'];

/**
 * Ours as memcached is started: memcached's automatic crawls are scheduled by its LRU maintainer,
 * so without it ours crawls only when asked too (lruAutoCrawl).
 */
export function oursLike(memcachedArgs: readonly string[]): Partial<DataplaneOptions> {
  return memcachedArgs.some((a) => a.includes('no_lru_maintainer')) ? { lruAutoCrawl: false } : {};
}

/**
 * The engine this run of the suite is on: test/run.ts runs the suite once per engine and says which
 * in IX_TEST_ENGINE (unset: auto, whichever this machine allows).
 */
export const TEST_ENGINE: EngineChoice = testEngine(process.env.IX_TEST_ENGINE);

function testEngine(v: string | undefined): EngineChoice {
  if (v === undefined || v === '') return 'auto';
  if (v !== 'auto' && !(ENGINES as readonly string[]).includes(v)) throw new Error(`IX_TEST_ENGINE must be one of auto, ${ENGINES.join(', ')}: got ${JSON.stringify(v)}`);
  return v as EngineChoice;
}

/** The flags that start `ixctl run` on the suite's engine. */
export function engineArgs(): string[] {
  return ['--engine', TEST_ENGINE];
}

/** Fails unless the server runs the engine the suite is on: a run must not pass on the other one. */
export function assertEngine(running: string): void {
  if (TEST_ENGINE !== 'auto' && running !== TEST_ENGINE) throw new Error(`this run of the suite is on ${TEST_ENGINE}, but the server runs ${running}`);
}

/** Our server on a free loopback port, on the suite's engine. */
export async function startOurs(options: Partial<DataplaneOptions> = {}): Promise<DataplaneServer> {
  const server = await DataplaneServer.start({ port: 0, listen: '127.0.0.1', engine: TEST_ENGINE, ...options });
  assertEngine(server.engine.name);
  return server;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface ExchangeResult {
  bytes: Buffer;
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * Sends each chunk as its own write, waiting a little between chunks so the server sees split
 * input, then (with a sentinel) sends "version\r\n" and reads until that answer is in, or waits
 * `idleMs` of silence without one (for sequences that leave a request unfinished or close).
 */
export function exchange(port: number, chunks: (string | Buffer)[], opts: { sentinel?: boolean; idleMs?: number; gapMs?: number } = {}): Promise<ExchangeResult> {
  const sentinel = opts.sentinel ?? true;
  const idleMs = opts.idleMs ?? 150;
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let closed = false;
    let idle: NodeJS.Timeout | undefined;
    let sent = false;
    const finish = () => {
      clearTimeout(idle);
      s.destroy();
      resolve({ bytes: Buffer.concat(got), closed });
    };
    const armIdle = () => {
      clearTimeout(idle);
      if (sent) idle = setTimeout(finish, sentinel ? 3000 : idleMs);
    };
    s.on('data', (d: Buffer) => {
      got.push(d);
      if (sentinel && sent && /VERSION [^\r\n]*\r\n$/.test(Buffer.concat(got).toString('latin1'))) {
        finish();
        return;
      }
      armIdle();
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return;
      reject(e);
    });
    s.on('close', () => {
      closed = true;
      finish();
    });
    s.on('connect', async () => {
      for (const c of chunks) {
        if (s.destroyed) break;
        s.write(c);
        await sleep(opts.gapMs ?? 5);
      }
      if (sentinel && !s.destroyed) s.write('version\r\n');
      sent = true;
      armIdle();
    });
  });
}

/** Masks what legitimately differs between two servers: see each rule. */
export function normalize(text: string): string {
  return text
    // Each server reports its own version; clients only need the line to be there.
    .replace(/^VERSION [^\r\n]*$/gm, 'VERSION <version>')
    // Process id, clocks and resource usage belong to the process, not the protocol.
    .replace(/^STAT (pid|uptime|time|rusage_user|rusage_system) [^\r\n]*$/gm, 'STAT $1 <masked>')
    // The slab class numbering follows each server's own slab sizes.
    .replace(/^(ME [^\r\n]* )cls=\d+/gm, '$1cls=<masked>');
}

/**
 * Debian's memcached and ours, started before the tests of the enclosing suite and stopped after
 * them. Call it inside a describe(); read `.real` and `.ours` inside the tests. `memcachedArgs`
 * start memcached with features off that this server does not have (see FEATURES_OFF), and
 * `oursOptions` ours with the counterpart of an option memcached is given.
 */
export function bothServers(memcachedArgs: string[] = [], oursOptions: Partial<DataplaneOptions> = {}): { readonly real: RealMemcached; readonly ours: DataplaneServer } {
  const servers = {} as { real: RealMemcached; ours: DataplaneServer };
  before(async () => {
    servers.real = await startMemcached(memcachedArgs);
    servers.ours = await startOurs({ ...oursLike(memcachedArgs), ...oursOptions });
  });
  after(async () => {
    await servers.real?.stop();
    await servers.ours?.close();
  });
  return servers;
}

