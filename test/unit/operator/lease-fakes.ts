// Fakes for the leader election's unit tests: time that moves only when the test says so (one
// monotonic time for every process, each with its own wall clock, which can be skewed and jumped),
// and a Lease store with the API server's optimistic concurrency (resourceVersion).
import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../../../src/operator/runtime/clock.ts';
import type { LeaseApi } from '../../../src/operator/runtime/lease-api.ts';

const settle = () => new Promise<void>((r) => setImmediate(r));

export class FakeTime {
  private now = 0;
  private sleepers: { at: number; resolve: () => void }[] = [];

  get monotonicMs(): number {
    return this.now;
  }

  /** A process's clock: this time, and a wall clock `wallOffsetMs` off the true one (changeable). */
  clock(wallOffsetMs = 0): Clock & { wallOffsetMs: number } {
    const start = Date.parse('2026-06-01T00:00:00Z');
    const view = {
      wallOffsetMs,
      monotonicMs: () => this.now,
      wallNow: () => new Date(start + this.now + view.wallOffsetMs),
      sleep: (ms: number, signal?: AbortSignal) => this.sleep(ms, signal),
    };
    return view;
  }

  /** Moves time on by `ms`, waking every sleeper on the way in order and letting it run. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await settle();
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    this.now = target;
    await settle();
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      const sleeper = { at: this.now + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(new Error('aborted'));
      }, { once: true });
    });
  }
}

export class FakeLeaseStore {
  lease?: k8s.V1Lease;
  version = 0;
  /** Monotonic time of the last write, and by whom. */
  lastWrite?: { at: number; holder?: string };
  constructor(readonly time: FakeTime) {}

  wrote(): void {
    this.lastWrite = { at: this.time.monotonicMs, holder: this.holder };
  }

  /** One process's view of the store. */
  client(): FakeLeaseClient {
    return new FakeLeaseClient(this);
  }

  get holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }
}

export class FakeLeaseClient implements LeaseApi {
  /** Makes this process's calls fail (a refused connection) or never answer (a dead path). */
  fault?: 'error' | 'hang';
  constructor(private readonly store: FakeLeaseStore) {}

  read(): Promise<k8s.V1Lease | undefined> {
    return this.call(() => {
      if (!this.store.lease) return undefined;
      const lease = structuredClone(this.store.lease);
      // As client-node reads them: MicroTimes, not plain Dates.
      for (const field of ['renewTime', 'acquireTime'] as const) {
        const t = lease.spec?.[field];
        if (t) lease.spec![field] = new k8s.V1MicroTime(t.getTime());
      }
      return lease;
    });
  }

  create(spec: k8s.V1LeaseSpec): Promise<boolean> {
    return this.call(() => {
      refuseDates(spec);
      if (this.store.lease) return false;
      this.store.lease = { metadata: { name: 'ix-operator', resourceVersion: String(++this.store.version) }, spec: structuredClone(spec) };
      this.store.wrote();
      return true;
    });
  }

  replace(lease: k8s.V1Lease): Promise<boolean> {
    return this.call(() => {
      refuseDates(lease.spec ?? {});
      if (lease.metadata?.resourceVersion !== this.store.lease?.metadata?.resourceVersion) return false;
      this.store.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.store.version) } };
      this.store.wrote();
      return true;
    });
  }

  private call<T>(f: () => T): Promise<T> {
    if (this.fault === 'hang') return new Promise(() => {});
    if (this.fault === 'error') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    return Promise.resolve(f());
  }
}

/** The API server refuses a Lease time with three fractional digits (a plain Date's JSON): it wants MicroTime's six. */
function refuseDates(spec: k8s.V1LeaseSpec): void {
  for (const field of ['renewTime', 'acquireTime'] as const) {
    const t = spec[field];
    if (t && !(t instanceof k8s.V1MicroTime)) throw new Error(`400: parsing time ${new Date(t).toISOString()} as "2006-01-02T15:04:05.000000Z07:00"`);
  }
}
