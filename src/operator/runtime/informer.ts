// An informer that keeps itself alive. @kubernetes/client-node's ListWatch stops for good on any
// watch error other than 410, and a watch whose TCP connection silently died never errors at all.
// The supervisor restarts a failed informer with exponential backoff, replaces one that has been
// silent for too long (staleness watchdog), and after every (re)start replays every object to the
// handlers, so the reconcilers see a full resync after each reconnect.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.ts';

export interface InformerHandlers<T> {
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T) => void;
  onDelete?: (obj: T) => void;
}

export interface SupervisorOptions {
  /** Replace the watch when no event arrived for this long (default 5 min). */
  staleAfterMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onRestart?: (reason: string) => void;
}

export class SupervisedInformer<T extends k8s.KubernetesObject> {
  private current?: k8s.Informer<T> & k8s.ObjectCache<T>;
  private lastEventAt = Date.now();
  private failures = 0;
  private stopped = false;
  private restarting = false;
  private watchdog?: NodeJS.Timeout;
  private synced = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    readonly path: string,
    private readonly listFn: k8s.ListPromise<T>,
    private readonly handlers: InformerHandlers<T>,
    private readonly log: Logger,
    private readonly opts: SupervisorOptions = {},
    private readonly labelSelector?: string,
  ) {}

  /** Lists, starts watching, and resolves once the cache holds the listed objects. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.replace('start');
    const staleAfter = this.opts.staleAfterMs ?? 5 * 60_000;
    this.watchdog = setInterval(() => {
      if (!this.restarting && Date.now() - this.lastEventAt > staleAfter) void this.restart(`no event for ${staleAfter} ms`);
    }, Math.min(staleAfter, 30_000));
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await this.current?.stop();
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.current?.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.current?.list(namespace) ?? [];
  }

  /** Starts a fresh ListWatch (full list) and swaps it in only once it has listed, so readers never see an empty cache. */
  private async replace(reason: string): Promise<void> {
    const next = k8s.makeInformer<T>(this.kc, this.path, this.listFn, this.labelSelector);
    // managedFields are often the larger half of an object and nothing here reads them; the cache
    // holds the very objects the handlers get, so dropping them here shrinks the cache.
    const touch = (o?: T) => {
      this.lastEventAt = Date.now();
      if (o?.metadata) delete o.metadata.managedFields;
    };
    next.on('add', (o) => { touch(o); if (this.current === next) this.handlers.onAdd?.(o); });
    next.on('update', (o) => { touch(o); if (this.current === next) this.handlers.onUpdate?.(o); });
    next.on('delete', (o) => { touch(); if (this.current === next) this.handlers.onDelete?.(o); });
    next.on('connect', () => touch());
    // ListWatch stops for good after an error. One can come while `next` is still starting (a watch on
    // a CRD established a moment ago often fails at once): remember it and restart right after the swap.
    let earlyError: string | undefined;
    next.on('error', (err: unknown) => {
      const why = `watch error: ${err instanceof Error ? err.message : String(err)}`;
      if (this.stopped) return;
      if (this.current === next) void this.restart(why);
      else earlyError ??= why;
    });
    await next.start();
    const previous = this.current;
    this.current = next;
    this.lastEventAt = Date.now();
    this.synced = true;
    await previous?.stop().catch(() => {});
    // Full resync: every object to the handlers, whatever the previous watch missed.
    for (const obj of next.list()) this.handlers.onUpdate?.(obj);
    if (reason !== 'start') this.log.info('informer restarted', { path: this.path, reason });
    if (earlyError) void this.restart(earlyError);
  }

  private async restart(reason: string): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    this.opts.onRestart?.(reason);
    try {
      for (;;) {
        const delay = Math.min(this.opts.backoffMaxMs ?? 30_000, (this.opts.backoffBaseMs ?? 200) * 2 ** this.failures);
        this.log.warn('informer restarting', { path: this.path, reason, inMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        if (this.stopped) return;
        try {
          await this.replace(reason);
          this.failures = 0;
          return;
        } catch (err) {
          this.failures++;
          reason = `restart failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
    } finally {
      this.restarting = false;
    }
  }
}
