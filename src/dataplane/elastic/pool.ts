// The elastic thread pool, on the accepting (main) thread: it accepts, hashes each connection to its
// flow group, and hands the descriptor to the group's owner. setActive() changes the set of threads
// (one per active CPU, IX's elastic threads): groups move to the new owners with their live
// connections, each handed over with the bytes its old owner had read but not served.
import type net from 'node:net';
import { admitConnection } from '../connection-limit.ts';
import { SHUTDOWN_MS } from '../shutdown.ts';
import { Worker } from 'node:worker_threads';
import { startTsWorker } from '../ts-worker.ts';
import { duplicateSocket, loadNative, type Native } from '../native.ts';
import type { Store } from '../store/store.ts';
import type { EngineName } from '../engine.ts';
import { S } from '../store/stats.ts';
import type { ServerInfo } from '../protocol/session.ts';
import type { LoadSample } from '../control/load-monitor.ts';
import { assignGroups, flowGroup, movedGroups } from './flow-table.ts';
import { LOAD_FIELDS, type FromThread, type ToThread, type WorkerInit } from './messages.ts';

interface Thread {
  id: number;
  cpu: number | undefined;
  worker: Worker;
  load: Float64Array;
  ready: Promise<boolean>;
  /** The thread runs on its CPU only (false: no CPU given, or the CPU is not this machine's). */
  pinned: boolean;
}

/** Longest a thread may take to hand its connections over (they drain their writes first). */
const RELEASE_DEADLINE_MS = 10_000;

export interface PoolOptions {
  engine: EngineName;
  store: Store;
  info: ServerInfo;
  batchBound: number;
  writeHighWater: number;
  maxConnections: number;
}

export class ElasticPool {
  private threads = new Map<number, Thread>();
  private owners: number[] = [];
  private nextId = 0;
  /** Groups being moved: new connections of these wait for the move to finish, to keep order simple. */
  private moving = new Map<number, { to: number; waiting: { fd: number }[] }>();
  private readonly native: Native;
  private changing: Promise<void> = Promise.resolve();
  /** Counts of threads that have retired. */
  private readonly retired = { requests: 0, batches: 0 };

  private constructor(private readonly o: PoolOptions, native: Native) {
    this.native = native;
  }

  /** A pool, or the reason there cannot be one here (the addon is missing). */
  static create(o: PoolOptions): ElasticPool | string {
    const { native, unavailable } = loadNative();
    return native ? new ElasticPool(o, native) : unavailable!;
  }

  get activeCpus(): (number | undefined)[] {
    return [...this.threads.values()].map((t) => t.cpu);
  }

  /** Per-thread load, read lock-free from what each thread publishes every 10 ms. */
  loads(): (LoadSample & { thread: number; cpu?: number; pinned: boolean })[] {
    return [...this.threads.values()].map((t) => {
      const v = Object.fromEntries(LOAD_FIELDS.map((f, i) => [f, t.load[i]!])) as Record<(typeof LOAD_FIELDS)[number], number>;
      return { thread: t.id, ...(t.cpu !== undefined ? { cpu: t.cpu } : {}), pinned: t.pinned, queueLength: v.queueLength, queueDelayUs: v.queueDelayUs, idle: v.idle, requestsPerSecond: v.requestsPerSecond, meanBatch: v.meanBatch, queueDelayP99Us: v.queueDelayP99Us };
    });
  }

  /** Requests and batches over all threads (for metrics). */
  totals(): { requests: number; batches: number } {
    let requests = this.retired.requests;
    let batches = this.retired.batches;
    for (const t of this.threads.values()) {
      requests += t.load[5]!;
      batches += t.load[6]!;
    }
    return { requests, batches };
  }

  /**
   * Runs one elastic thread per CPU in `cpus` (or `count` unpinned threads when no CPUs are known),
   * moving flow groups and their connections as needed. Changes are applied one after another.
   */
  setActive(cpus: number[] | undefined, count = cpus?.length ?? 1): Promise<void> {
    // A failed change must not block the ones after it: chain on the settled previous change.
    const next = this.changing.catch(() => {}).then(() => this.apply(cpus, count));
    this.changing = next;
    return next;
  }

  private async apply(cpus: number[] | undefined, count: number): Promise<void> {
    const want = cpus ? cpus.map((c) => c as number | undefined) : Array.from({ length: count }, () => undefined);
    // Keep threads already on a wanted CPU; start threads for the rest; retire the others.
    const keep = new Map<number, Thread>();
    const free = [...this.threads.values()];
    const toStart: (number | undefined)[] = [];
    for (const cpu of want) {
      const i = free.findIndex((t) => t.cpu === cpu);
      if (i >= 0) keep.set(free[i]!.id, free.splice(i, 1)[0]!);
      else toStart.push(cpu);
    }
    for (const cpu of toStart) {
      const t = this.startThread(cpu);
      keep.set(t.id, t);
      await t.ready;
    }
    const retiring = free;
    const before = this.owners.length ? this.owners : undefined;
    const after = assignGroups([...keep.keys()], before);
    this.threads = new Map([...keep, ...retiring.map((t) => [t.id, t] as const)]);
    if (before) {
      const moves = movedGroups(before, after);
      const byOwner = new Map<number, number[]>();
      for (const g of moves) {
        this.moving.set(g, { to: after[g]!, waiting: [] });
        byOwner.set(before[g]!, [...(byOwner.get(before[g]!) ?? []), g]);
      }
      this.owners = after;
      await Promise.all([...byOwner].map(([owner, groups]) => this.releaseFrom(owner, groups)));
    } else {
      this.owners = after;
    }
    for (const t of retiring) {
      await this.stopThread(t);
      this.threads.delete(t.id);
    }
  }

  /** Stops a thread, keeping its final counts. */
  private async stopThread(t: Thread): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      // The thread closes its connections within SHUTDOWN_MS each; a thread that never answers
      // (it died) is terminated all the same.
      const timer = setTimeout(resolve, SHUTDOWN_MS + 1_000);
      t.worker.on('message', (m: FromThread) => {
        if (m.type !== 'stopped') return;
        clearTimeout(timer);
        this.retired.requests += m.requests;
        this.retired.batches += m.batches;
        resolve();
      });
    });
    this.post(t, { type: 'stop', shutdownMs: SHUTDOWN_MS });
    await stopped;
    await t.worker.terminate();
  }

  private releaseFrom(owner: number, groups: number[]): Promise<void> {
    const t = this.threads.get(owner)!;
    return new Promise((resolve) => {
      // A thread that never answers (it died) must not stall every later change: after the
      // deadline its groups go to their new owners without the connections it held.
      const deadline = setTimeout(() => {
        process.emitWarning(`dataplane: elastic thread ${owner} did not hand over flow groups ${groups.join(',')} in time`);
        onMessage({ type: 'released', thread: owner, groups });
      }, RELEASE_DEADLINE_MS);
      const onMessage = (m: FromThread) => {
        if (m.type !== 'released' || m.thread !== owner) return;
        clearTimeout(deadline);
        t.worker.off('message', onMessage);
        for (const g of m.groups) {
          const mv = this.moving.get(g);
          this.moving.delete(g);
          for (const w of mv?.waiting ?? []) this.post(this.threads.get(mv!.to)!, { type: 'serve', fd: w.fd, group: g });
        }
        resolve();
      };
      t.worker.on('message', onMessage);
      this.post(t, { type: 'release', groups });
    });
  }

  private startThread(cpu: number | undefined): Thread {
    const id = this.nextId++;
    const load = new SharedArrayBuffer(LOAD_FIELDS.length * 8);
    const init: WorkerInit = { thread: id, cpu, store: this.o.store.shared, info: this.o.info, batchBound: this.o.batchBound, writeHighWater: this.o.writeHighWater, engine: this.o.engine, load };
    const url = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './elastic-worker.mjs', import.meta.url);
    const worker = url.pathname.endsWith('.ts') ? startTsWorker(url, { workerData: init }) : new Worker(url, { workerData: init });
    const ready = new Promise<boolean>((resolve, reject) => {
      worker.once('error', reject);
      const onReady = (m: FromThread) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        resolve(m.pinned);
      };
      worker.on('message', onReady);
    });
    // A thread that dies takes its connections with it, not the process: say so and carry on.
    worker.on('error', (e) => process.emitWarning(`dataplane: elastic thread ${id} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    worker.on('message', (m: FromThread) => {
      if (m.type !== 'handed') return;
      // A connection of a moving group: to its new owner, with the bytes not yet served.
      const to = this.moving.get(m.group)?.to ?? this.owners[m.group]!;
      this.post(this.threads.get(to)!, { type: 'serve', fd: m.fd, group: m.group, pending: m.pending });
    });
    const t: Thread = { id, cpu, worker, load: new Float64Array(load), ready, pinned: false };
    void ready.then((pinned) => (t.pinned = pinned), () => {});
    this.threads.set(id, t);
    return t;
  }

  private post(t: Thread, m: ToThread): void {
    t.worker.postMessage(m);
  }

  /** Takes over an accepted socket: its descriptor goes to the owner of its flow group. */
  accept(socket: net.Socket): void {
    const stats = this.o.store.stats;
    if (!admitConnection(socket, stats, Number(Atomics.load(stats, S.curr_connections)), this.o.maxConnections)) return;
    const group = flowGroup(socket.remoteAddress ?? '', socket.remotePort ?? 0, socket.localAddress ?? '', socket.localPort ?? 0);
    const fd = duplicateSocket(this.native, socket);
    if (fd < 0) {
      // Out of descriptors (or the client already gone): this connection cannot be handed on.
      Atomics.sub(stats, S.curr_connections, 1n);
      socket.destroy();
      return;
    }
    socket.destroy(); // this thread's copy; the owner gets the duplicate
    const mv = this.moving.get(group);
    if (mv) mv.waiting.push({ fd });
    else this.post(this.threads.get(this.owners[group]!)!, { type: 'serve', fd, group });
  }

  async close(): Promise<void> {
    await this.changing.catch(() => {});
    await Promise.all([...this.threads.values()].map((t) => this.stopThread(t)));
    this.threads.clear();
  }
}
