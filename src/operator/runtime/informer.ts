// An informer that keeps itself alive, over @kubernetes/client-node 2's ListWatch.
//
// What 2.x does by itself, and is no longer done here: a watch that ends (the server's timeout, a
// connection closed) is reopened from the last resourceVersion, with backoff (1 s doubling to 30 s);
// a watch silent for 30 s is treated as dead and reopened (a connection that died without a FIN); a
// 410 Gone relists, and the relist reports objects that vanished during the gap as deletes.
//
// What 2.0 still lacks, and is done here: on any other error — a connection reset, a refused
// connection while the apiserver restarts, a 5xx, a failed list — ListWatch calls its error handlers
// and stops for good. The supervisor restarts that same ListWatch (not a new one: its cache and its
// resourceVersion are kept, so the restart resumes the watch, or relists through a 410, and every
// change made during the outage, deletes included, reaches the handlers as an event) with
// exponential backoff, for as long as the informer is not stopped.
//
// What 2.0's relist gets wrong, and is put right here: it matches the listed objects with the cached
// ones by namespace and name, so an object deleted and created again under the same name during the
// gap (a replica replaced under its ordinal) reaches the handlers as an update of the old one, and
// the old one's delete is never heard. The handlers here see a delete of the old object (the UID
// they knew) and an add of the new one, as they would have from the watch.
import * as k8s from '@kubernetes/client-node';
import { errorText } from '../../lib/error-text.ts';
import type { Logger } from '../../lib/log.ts';

export interface InformerHandlers<T> {
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T) => void;
  onDelete?: (obj: T) => void;
}

export interface SupervisorOptions<T = k8s.KubernetesObject> {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Called for every restart the supervisor makes (not for reconnects ListWatch makes itself). */
  onRestart?: (reason: string) => void;
  /** The watch to use: a fake in unit tests; default client-node's Watch on `kc`. */
  watch?: Pick<k8s.Watch, 'watch'>;
  /**
   * What to keep of each object, in place, before the cache and the handlers get it (client-go's
   * SetTransform); default: all but its managedFields.
   */
  transform?: (o: T) => T;
}

export class SupervisedInformer<T extends k8s.KubernetesObject> {
  private readonly watch: k8s.ListWatch<T>;
  private failures = 0;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private synced = false;
  /** The error of the attempt under way, if one came while it ran. */
  private attemptError?: unknown;
  private starting = false;
  /** The object the handlers last got under each namespace/name (the cache's own references). */
  private readonly known = new Map<string, T>();
  /** Everyone watching through this informer: each controller and the allocation book add theirs. */
  private readonly handlerSets: InformerHandlers<T>[];

  constructor(
    kc: k8s.KubeConfig,
    readonly path: string,
    listFn: k8s.ListPromise<T>,
    handlers: InformerHandlers<T>,
    private readonly log: Logger,
    private readonly opts: SupervisorOptions<T> = {},
    labelSelector?: string,
  ) {
    this.handlerSets = [handlers];
    this.watch = new k8s.ListWatch<T>(path, (opts.watch ?? new k8s.Watch(kc)) as k8s.Watch, listFn, false, labelSelector);
    // managedFields are often the larger half of an object and nothing here reads them; the cache
    // holds the very objects the handlers get, so dropping them here shrinks the cache.
    const strip = opts.transform ?? ((o: T) => {
      if (o.metadata) delete o.metadata.managedFields;
      return o;
    });
    this.watch.on(k8s.ADD, (o) => this.delivered(strip(o)));
    this.watch.on(k8s.UPDATE, (o) => this.delivered(strip(o)));
    this.watch.on(k8s.DELETE, (o) => {
      this.known.delete(cacheKey(o));
      this.emit('onDelete', o);
    });
    this.watch.on(k8s.ERROR, (err: unknown) => this.onError(err));
  }

  /** Another watcher's handlers; add them before start() so they hear the first list too. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlerSets.push(handlers);
  }

  private emit(event: keyof InformerHandlers<T>, obj: T): void {
    for (const h of this.handlerSets) h[event]?.(obj);
  }

  /**
   * Lists, starts watching, and resolves once the cache holds the listed objects. A first list that
   * fails (an apiserver still starting, a CRD whose storage is still initializing: 429) is retried
   * with the same backoff, as client-go's WaitForCacheSync waits, rather than failing the process.
   */
  async start(): Promise<void> {
    this.stopped = false;
    for (let failures = 0; !this.stopped; failures++) {
      const error = await this.attempt();
      if (error === undefined) {
        this.synced = true;
        return;
      }
      const delay = this.backoffMs(failures);
      this.log.warn('informer cannot list yet', { path: this.path, error: errorText(error), retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.watch.stop();
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.watch.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.watch.list(namespace);
  }

  /**
   * ListWatch.start: lists if it has no resourceVersion (or after a 410), then opens the watch.
   * Returns the error that came while it ran (ListWatch reports it to its error handlers, not to
   * the caller), or undefined when the watch is open.
   */
  private async attempt(): Promise<unknown> {
    this.starting = true;
    this.attemptError = undefined;
    try {
      await this.watch.start();
    } finally {
      this.starting = false;
    }
    return this.attemptError;
  }

  /** An add or update from ListWatch: a new UID under a known name is the old object's delete first. */
  private delivered(o: T): void {
    const key = cacheKey(o);
    const before = this.known.get(key);
    this.known.set(key, o);
    if (before && before.metadata?.uid !== o.metadata?.uid) {
      this.emit('onDelete', before);
      this.emit('onAdd', o);
    } else if (before) this.emit('onUpdate', o);
    else this.emit('onAdd', o);
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    if (this.starting) {
      this.attemptError = err; // the attempt that is running returns it
      return;
    }
    this.scheduleRestart(`watch error: ${errorText(err)}`);
  }

  private backoffMs(failures: number): number {
    return Math.min(this.opts.backoffMaxMs ?? 30_000, (this.opts.backoffBaseMs ?? 200) * 2 ** failures);
  }

  private scheduleRestart(reason: string): void {
    if (this.stopped || this.restartTimer) return;
    const delay = this.backoffMs(this.failures);
    this.opts.onRestart?.(reason);
    this.log.warn('informer restarting', { path: this.path, reason, inMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      void this.attempt().then((error) => {
        if (error === undefined) {
          this.failures = 0;
          this.log.info('informer restarted', { path: this.path, reason });
          return;
        }
        this.failures++;
        this.scheduleRestart(`restart failed: ${errorText(error)}`);
      });
    }, delay);
    this.restartTimer.unref();
  }
}

const cacheKey = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
