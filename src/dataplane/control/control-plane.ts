// Everything around the data server that the operator talks to: the load monitor, the grant of
// CPUs (from the pod's annotations file), the token, and the control HTTP server.
import fs from 'node:fs';
import type { DataplaneServer } from '../server.ts';
import { controlApp, listen, type CoreState } from './control-server.ts';
import { LoadMonitor } from './load-monitor.ts';
import { dataplaneRegistry } from './metrics.ts';
import { watchGrant } from './podinfo.ts';

export interface ControlOptions {
  host: string;
  /** 0: pick a free port. */
  port: number;
  tokenFile?: string;
  cpusFrom?: string;
  log: (line: string) => void;
  /** The active set was changed from outside (operator, annotations), not by the local controller. */
  onExternalChange?: () => void;
  /**
   * A local controller chooses how many granted CPUs to run on: a new grant keeps the number of
   * active CPUs where it can. Without one, the threads run on every granted CPU.
   */
  localControl: boolean;
}

/**
 * The active CPUs after the grant changed: those still granted stay (their threads and flow groups
 * stay put), and CPUs taken away are replaced by other granted ones, so the dataplane keeps its
 * number of threads when the grant allows. The local controller adds or removes from there.
 */
export function fitActive(active: readonly number[], granted: readonly number[]): number[] {
  const kept = active.filter((c) => granted.includes(c));
  const want = Math.min(Math.max(active.length, 1), granted.length);
  const fill = granted.filter((c) => !kept.includes(c)).slice(0, Math.max(0, want - kept.length));
  return [...kept, ...fill];
}

export class DataplaneControl {
  readonly cores: CoreState = { granted: [], active: [] };
  readonly load: LoadMonitor;
  private http?: { port: number; close(): Promise<void> };
  private unwatch?: () => void;

  constructor(private readonly server: DataplaneServer, private readonly opts: ControlOptions) {
    this.load = new LoadMonitor(server.counters).start();
  }

  get port(): number | undefined {
    return this.http?.port;
  }

  async start(): Promise<void> {
    if (this.opts.cpusFrom) {
      this.unwatch = watchGrant(this.opts.cpusFrom, (grant, error) => {
        if (error) return this.opts.log(`cannot read the CPU grant from ${this.opts.cpusFrom}: ${error.message}`);
        // ix.dev/active-cpus in the file is the operator's report of what this dataplane said it runs
        // on, not an order: only the grant is read.
        if (grant) this.setGrant(grant.granted);
      });
    }
    const app = controlApp({
      registry: dataplaneRegistry(this.server, this.load, () => this.cores),
      load: () => ({ threads: this.server.pool ? this.server.pool.loads() : [{ thread: 0, ...this.load.current }], connections: this.server.connectionCount, engine: this.server.engine }),
      cores: this.cores,
      setCores: (granted, active) => this.setGrant(granted, active),
      // Read on each use: the kubelet rewrites a mounted Secret when it is rotated.
      token: () => (this.opts.tokenFile ? fs.readFileSync(this.opts.tokenFile, 'utf8').trim() || undefined : undefined),
      ready: () => !this.server.draining,
    });
    // Port 0 here means "no control port": the load monitor and the CPU grant still serve the local controller.
    if (this.opts.port > 0) this.http = await listen(app, this.opts.host, this.opts.port);
  }

  /** A new grant, from the operator's PUT or the annotations file; `active` only from a PUT that names it. */
  setGrant(granted: number[], active?: number[]): void {
    const same = granted.length === this.cores.granted.length && granted.every((c, i) => c === this.cores.granted[i]);
    if (!same) this.opts.log(`granted CPUs now ${granted.join(',')}`);
    this.cores.granted = granted;
    this.applyActive(active ?? (this.opts.localControl ? fitActive(this.cores.active.length ? this.cores.active : granted, granted) : granted));
  }

  /** The elastic threads follow the active CPUs: one pinned thread per CPU. */
  private applyActive(cpus: number[]): void {
    const same = cpus.length === this.cores.active.length && cpus.every((c, i) => c === this.cores.active[i]);
    this.cores.active = cpus;
    if (same) return;
    this.opts.log(`active CPUs now ${cpus.join(',')}`);
    this.opts.onExternalChange?.();
    this.server.pool?.setActive(cpus).catch((e: unknown) => this.opts.log(`could not move the threads to CPUs ${cpus.join(',')}: ${String(e)}`));
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.load.stop();
    await this.http?.close();
  }
}
