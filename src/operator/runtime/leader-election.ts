// Leader election on a coordination.k8s.io Lease, held as client-go holds it (its leaderelection
// package, with its default timing: a lease lasts 15 s, the leader must renew within 10 s, everyone
// retries every 2 s).
//
// - Expiry is judged on this process's monotonic clock, from when it last saw the lease record
//   change: a follower never compares the holder's renewTime with its own clock, so a follower whose
//   clock is hours ahead (or one whose clock jumps) does not take a live lease.
// - A leader whose renewals fail stops before the lease can have expired for anyone else: it gives
//   up `renewDeadline` after the start of its last successful renewal, and every other candidate
//   waits `leaseDuration` (> renewDeadline) from when it saw that renewal, which came later.
// - Losing the lease is fatal for the process (as in controller-runtime): a restarted pod rejoins as
//   a follower, which is simpler and safer than unwinding half-done work in place.
import * as k8s from '@kubernetes/client-node';
import { errorText } from '../../lib/error-text.ts';
import type { Logger } from '../../lib/log.ts';
import { systemClock, type Clock } from './clock.ts';
import type { LeaseApi } from './lease-api.ts';

export interface LeaderElectionOptions {
  /** For logs: namespace/name of the Lease. */
  lease: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
}

type Attempt = { ok: true } | { ok: false; error?: string };

export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  /** The record as last read or written, and when (monotonic) it was first seen in that state. */
  private observed?: { record: string; holder?: string; durationMs: number; at: number };
  /** Monotonic start of the last renewal that succeeded. */
  private lastRenewAt = 0;
  private renewing?: Promise<void>;
  private leading = false;

  constructor(private readonly leases: LeaseApi, private readonly opts: LeaderElectionOptions, private readonly log: Logger) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
    // client-go's own checks: without them a leader could still act after others may take over.
    if (this.renewDeadlineMs >= this.leaseMs) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    if (this.retryMs >= this.renewDeadlineMs) throw new Error('leader election: retryPeriod must be shorter than renewDeadline');
    if (this.leaseMs % 1000 !== 0) throw new Error('leader election: leaseDuration must be whole seconds (Lease.spec.leaseDurationSeconds)');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Resolves when this process holds the lease; then renews it until release(), or calls `onLost`
   * once when it cannot renew in time (or another holder appears), having stopped leading first.
   */
  async acquire(onLost: (reason: string) => void): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted) throw new Error('leader election stopped');
      const started = this.clock.monotonicMs();
      const attempt = await this.attemptWithin(this.renewDeadlineMs);
      if (attempt.ok) {
        this.lastRenewAt = started;
        break;
      }
      if (attempt.error) this.log.warn('lease attempt failed', { lease: this.opts.lease, error: attempt.error });
      await this.clock.sleep(this.retryMs, this.abort.signal).catch(() => {});
    }
    this.leading = true;
    this.log.info('became leader', { lease: this.opts.lease, identity: this.opts.identity });
    this.renewing = this.renewLoop(onLost);
  }

  /** Stops renewing and gives the lease up, so a follower takes over at once instead of after it expires. */
  async release(): Promise<void> {
    this.abort.abort();
    await this.renewing; // no renewal may land after the release
    if (!this.leading) return;
    this.leading = false;
    const released = await this.attemptWithin(this.renewDeadlineMs, async () => {
      const lease = await this.leases.read();
      if (!lease?.spec || lease.spec.holderIdentity !== this.opts.identity) return false;
      // As client-go's ReleaseOnCancel: no holder, and a 1 s duration for anyone who still reads one.
      const now = this.wallTime();
      return this.leases.replace({ ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
    });
    if (released.ok) this.log.info('released the lease', { lease: this.opts.lease });
    else this.log.warn('could not release the lease: followers wait for it to expire', { lease: this.opts.lease, error: released.error ?? 'it changed meanwhile' });
  }

  private async renewLoop(onLost: (reason: string) => void): Promise<void> {
    let wait = this.retryMs;
    for (;;) {
      try {
        await this.clock.sleep(wait, this.abort.signal);
      } catch {
        return; // released
      }
      const started = this.clock.monotonicMs();
      const left = this.lastRenewAt + this.renewDeadlineMs - started;
      const attempt: Attempt = left > 0 ? await this.attemptWithin(left) : { ok: false, error: 'renew deadline passed' };
      if (this.abort.signal.aborted) return;
      if (attempt.ok) {
        this.lastRenewAt = started;
        wait = this.retryMs;
        continue;
      }
      const holder = this.observed?.holder;
      const sinceRenew = this.clock.monotonicMs() - this.lastRenewAt;
      this.log.warn('lease renewal failed', { lease: this.opts.lease, error: attempt.error ?? 'the lease changed', msSinceLastRenewal: Math.round(sinceRenew) });
      const lost = holder !== undefined && holder !== this.opts.identity
        ? `the lease names ${holder}`
        : sinceRenew >= this.renewDeadlineMs ? `not renewed within ${this.renewDeadlineMs} ms` : undefined;
      if (lost) {
        this.leading = false;
        this.log.error('lost the lease', { lease: this.opts.lease, reason: lost });
        onLost(lost);
        return;
      }
      // Retry sooner than the period when the deadline comes first, so it is noticed on time.
      wait = Math.min(this.retryMs, this.lastRenewAt + this.renewDeadlineMs - this.clock.monotonicMs());
    }
  }

  /** One attempt, given up after `ms` (a request that hangs must not outlast the deadline). */
  private async attemptWithin(ms: number, attempt: () => Promise<boolean> = () => this.tryAcquireOrRenew()): Promise<Attempt> {
    const timeout = new AbortController();
    const timedOut = this.clock.sleep(ms, timeout.signal).then(
      (): Attempt => ({ ok: false, error: `no answer within ${Math.round(ms)} ms` }),
      (): Attempt => ({ ok: false }));
    try {
      return await Promise.race([
        attempt().then((ok): Attempt => (ok ? { ok: true } : { ok: false }), (e: unknown): Attempt => ({ ok: false, error: errorText(e) })),
        timedOut,
      ]);
    } finally {
      timeout.abort();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity } = this.opts;
    const now = this.wallTime();
    const lease = await this.leases.read();
    if (!lease) {
      const spec: k8s.V1LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: this.leaseMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      if (!(await this.leases.create(spec))) return false;
      this.observe(spec);
      return true;
    }
    const spec = lease.spec ?? {};
    this.observe(spec);
    const heldByMe = spec.holderIdentity === identity;
    if (spec.holderIdentity && !heldByMe && this.observedStillValid()) return false;
    const next: k8s.V1LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.leaseMs / 1000,
      renewTime: now,
      ...(heldByMe ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    // replace carries metadata.resourceVersion: of two candidates racing for an expired lease, one loses.
    if (!(await this.leases.replace({ ...lease, spec: next }))) return false;
    this.observe(next);
    return true;
  }

  /** A MicroTime, which the API server wants with six fractional digits (a Date's JSON has three). */
  private wallTime(): k8s.V1MicroTime {
    return new k8s.V1MicroTime(this.clock.wallNow().getTime());
  }

  /** Notes the record; the expiry clock restarts only when it differs from the one seen last. */
  private observe(spec: k8s.V1LeaseSpec): void {
    const ms = (t: Date | undefined) => (t ? new Date(t).getTime() : 0); // a Date we wrote, or a V1MicroTime read back
    const record = JSON.stringify([spec.holderIdentity ?? '', spec.leaseDurationSeconds, ms(spec.renewTime), ms(spec.acquireTime), spec.leaseTransitions]);
    if (this.observed?.record === record) return;
    this.observed = { record, holder: spec.holderIdentity || undefined, durationMs: (spec.leaseDurationSeconds ?? 0) * 1000, at: this.clock.monotonicMs() };
  }

  private observedStillValid(): boolean {
    return !!this.observed && this.observed.at + this.observed.durationMs > this.clock.monotonicMs();
  }
}
