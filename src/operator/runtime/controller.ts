// Runs a reconcile function over a work queue: level-based (the key names an object; the reconcile
// reads its current state), errors retried with backoff, an explicit requeue honoured.
import { apiErrorMessage, isNamespaceTerminating } from '../../lib/kube.ts';
import type { Logger } from '../../lib/log.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { WorkQueue } from './workqueue.ts';

export interface ReconcileResult { requeueAfterMs?: number }

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(
    readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly metrics: OperatorMetrics,
    private readonly log: Logger,
    private readonly concurrency = 1,
  ) {
    this.queue = new WorkQueue(undefined, { onDepth: (d) => metrics.queueDepth.set({ name }, d) });
  }

  enqueue(key: string): void {
    this.metrics.queueAdds.inc({ name: this.name });
    this.queue.add(key);
  }

  start(): void {
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const end = this.metrics.reconcileTime.startTimer({ controller: this.name });
      try {
        this.log.debug('reconcile', { controller: this.name, key });
        const res = await this.reconcile(key);
        this.queue.forget(key);
        if (res?.requeueAfterMs) {
          this.queue.addAfter(key, res.requeueAfterMs);
          this.metrics.reconcileTotal.inc({ controller: this.name, result: 'requeue_after' });
        } else {
          this.metrics.reconcileTotal.inc({ controller: this.name, result: 'success' });
        }
      } catch (err) {
        if (isNamespaceTerminating(err)) {
          // Not a failure: the namespace's deletion is about to remove the object. Look again later in
          // case it is not (a finalizer elsewhere can hold a namespace in Terminating for long).
          this.queue.forget(key);
          this.queue.addAfter(key, 5000);
          this.metrics.reconcileTotal.inc({ controller: this.name, result: 'requeue_after' });
          this.log.info('namespace is being deleted; not retrying now', { controller: this.name, key });
          continue;
        }
        const delay = this.queue.addRateLimited(key);
        this.metrics.reconcileTotal.inc({ controller: this.name, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller: this.name });
        this.metrics.queueRetries.inc({ name: this.name });
        this.log.error('reconcile failed', { controller: this.name, key, retryInMs: delay, error: apiErrorMessage(err) });
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }
}
