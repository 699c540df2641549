// Leader election on a coordination.k8s.io Lease, with client-go's timing: a lease lasts 15 s, the
// leader must renew within 10 s or step down, and everyone retries every 2 s. Losing the lease is
// fatal for the process (as in controller-runtime): a restarted pod rejoins as a follower, which is
// simpler and safer than unwinding half-done work in place.
import * as k8s from '@kubernetes/client-node';
import { httpStatusOf } from '../../lib/kube.ts';
import type { Logger } from '../../lib/log.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  isLeader = false;

  constructor(kc: k8s.KubeConfig, private readonly opts: LeaderElectionOptions, private readonly log: Logger) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  /** Resolves when this process holds the lease; then renews it until stop() or `onLost`. */
  async acquire(onLost: () => void): Promise<void> {
    for (;;) {
      if (this.stopped) throw new Error('leader election stopped');
      if (await this.tryAcquireOrRenew().catch((e: unknown) => { this.log.warn('lease attempt failed', { error: String(e) }); return false; })) break;
      await new Promise((r) => setTimeout(r, this.retryMs));
    }
    this.isLeader = true;
    this.lastRenew = Date.now();
    this.log.info('became leader', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
    const renew = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch(() => false);
      if (ok) this.lastRenew = Date.now();
      else if (Date.now() - this.lastRenew > this.renewDeadlineMs) {
        this.isLeader = false;
        this.log.error('lost the lease', { lease: `${this.opts.namespace}/${this.opts.name}` });
        onLost();
        return;
      }
      this.timer = setTimeout(() => void renew(), this.retryMs);
    };
    this.timer = setTimeout(() => void renew(), this.retryMs);
  }

  /** Gives the lease up so a follower takes over at once instead of after it expires. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.isLeader) return;
    this.isLeader = false;
    const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace }).catch(() => undefined);
    if (lease?.spec?.holderIdentity !== this.opts.identity) return;
    lease.spec.holderIdentity = undefined;
    lease.spec.leaseDurationSeconds = 1;
    await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease }).catch(() => {});
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new k8s.V1MicroTime(Date.now());
    const { name, namespace, identity } = this.opts;
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (httpStatusOf(e) !== 404) throw e;
      await this.api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: this.leaseMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const heldByMe = spec.holderIdentity === identity;
    const renewedAt = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = !spec.holderIdentity || renewedAt + (spec.leaseDurationSeconds ?? 0) * 1000 < Date.now();
    if (!heldByMe && !expired) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.leaseMs / 1000,
      renewTime: now,
      ...(heldByMe ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      // replace carries metadata.resourceVersion: two candidates racing for an expired lease cannot both win.
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      return true;
    } catch (e) {
      if (httpStatusOf(e) === 409) return false;
      throw e;
    }
  }
}
