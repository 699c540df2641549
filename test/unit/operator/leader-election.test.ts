// Leader election's timing, on fake time: expiry judged on the local monotonic clock from when the
// lease was last seen to change (never the holder's renewTime against our wall clock), and a leader
// whose renewals fail stopping before anyone else may take the lease.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../../src/lib/log.ts';
import { LeaderElector } from '../../../src/operator/runtime/leader-election.ts';
import { FakeLeaseStore, FakeTime, type FakeLeaseClient } from './lease-fakes.ts';

const HOUR = 3_600_000;

/** A logger that keeps what it is told, so a test can see that errors were logged and not swallowed. */
function recordingLog(): Logger & { lines: { level: string; message: string; meta?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push({ level, message, meta });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger & { lines: typeof lines };
}

interface Candidate {
  elector: LeaderElector;
  client: FakeLeaseClient;
  clock: ReturnType<FakeTime['clock']>;
  log: ReturnType<typeof recordingLog>;
  /** Monotonic time it became leader, once it has. */
  ledAt?: number;
  lost?: { at: number; reason: string; wasLeader: boolean };
}

function candidate(time: FakeTime, store: FakeLeaseStore, identity: string, wallOffsetMs = 0): Candidate {
  const clock = time.clock(wallOffsetMs);
  const client = store.client();
  const log = recordingLog();
  const elector = new LeaderElector(client, { lease: 'ns/ix-operator', identity, clock }, log);
  const c: Candidate = { elector, client, clock, log };
  void elector.acquire((reason) => { c.lost = { at: time.monotonicMs, reason, wasLeader: elector.isLeader }; })
    .then(() => { c.ledAt = time.monotonicMs; }, () => {});
  return c;
}

function setUp() {
  const time = new FakeTime();
  return { time, store: new FakeLeaseStore(time) };
}

describe('LeaderElector', () => {
  it('takes a free lease, renews it every retry period, and holds it', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(0);
    assert.equal(a.ledAt, 0);
    await time.advance(60_000);
    assert.equal(store.holder, 'a');
    assert.ok(store.lastWrite!.at >= 58_000, 'renewed within the last retry period');
    assert.equal(a.lost, undefined);
    assert.equal(store.lease?.spec?.leaseDurationSeconds, 15);
  });

  it('a follower whose wall clock is hours ahead does not take a live lease', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(0);
    const b = candidate(time, store, 'b', 3 * HOUR);
    await time.advance(120_000);
    // By b's wall clock a's renewTime is 3 h old: comparing it with renewTime would take the lease.
    assert.ok(b.clock.wallNow().getTime() - new Date(store.lease!.spec!.renewTime!).getTime() > 2 * HOUR);
    assert.equal(b.ledAt, undefined);
    assert.equal(store.holder, 'a');
    assert.equal(a.lost, undefined);
  });

  it('a follower whose wall clock is hours behind takes an abandoned lease one lease duration after it last saw it change, not hours later', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(0);
    const b = candidate(time, store, 'b', -3 * HOUR);
    await time.advance(9_000);
    a.client.fault = 'hang'; // a's node is cut off: it renews no more
    const lastChange = store.lastWrite!.at;
    await time.advance(30_000);
    assert.ok(b.ledAt !== undefined, 'b took over');
    assert.ok(b.ledAt! >= lastChange + 15_000, `not before the lease expired (took at ${b.ledAt}, last change ${lastChange})`);
    assert.ok(b.ledAt! <= lastChange + 15_000 + 2 * 2_000, `within a retry period or two of expiry (took at ${b.ledAt})`);
    assert.equal(store.holder, 'b');
    assert.equal(store.lease?.spec?.leaseTransitions, 1);
  });

  it('wall clocks that jump (set back, set forward) move no expiry', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(0);
    const b = candidate(time, store, 'b');
    for (const [who, jump] of [[a, -2 * HOUR], [b, 5 * HOUR], [a, 24 * HOUR], [b, -10 * HOUR]] as const) {
      who.clock.wallOffsetMs += jump;
      await time.advance(20_000);
      assert.equal(store.holder, 'a');
      assert.equal(b.ledAt, undefined, `b took a live lease after a jump of ${jump / HOUR} h`);
    }
    assert.equal(a.lost, undefined);
  });

  for (const fault of ['error', 'hang'] as const) {
    it(`a leader whose renewals ${fault === 'error' ? 'fail' : 'never answer'} stops leading before the lease can have expired for the others`, async () => {
      const { time, store } = setUp();
      const a = candidate(time, store, 'a');
      await time.advance(0);
      const b = candidate(time, store, 'b', 1 * HOUR);
      await time.advance(7_000);
      a.client.fault = fault;
      const lastRenewal = store.lastWrite!.at; // started no later than it was written
      await time.advance(40_000);
      assert.ok(a.lost, 'a gave up the lead');
      assert.equal(a.lost.wasLeader, false, 'it stopped leading before it said so');
      assert.ok(a.lost.at <= lastRenewal + 10_000, `within the renew deadline of its last renewal (lost at ${a.lost.at}, renewed at ${lastRenewal})`);
      assert.match(a.lost.reason, /not renewed within 10000 ms/);
      assert.ok(b.ledAt !== undefined, 'b took over');
      assert.ok(b.ledAt! - a.lost.at >= 5_000, `b led ${b.ledAt! - a.lost.at} ms after a stopped: never two leaders, with margin`);
      const warnings = a.log.lines.filter((l) => l.level === 'warn' && l.message === 'lease renewal failed');
      assert.ok(warnings.length >= (fault === 'error' ? 2 : 1), 'every failed renewal is logged');
      assert.match(String(warnings[0]!.meta?.error), fault === 'error' ? /ECONNREFUSED/ : /no answer within/);
    });
  }

  it('a leader that finds another holder in the lease stops at once', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(1_000);
    store.lease = { ...store.lease!, metadata: { ...store.lease!.metadata, resourceVersion: String(++store.version) }, spec: { ...store.lease!.spec, holderIdentity: 'intruder' } };
    await time.advance(2_500);
    assert.ok(a.lost);
    assert.match(a.lost.reason, /the lease names intruder/);
  });

  it('release hands the lease over at once, and no renewal lands after it', async () => {
    const { time, store } = setUp();
    const a = candidate(time, store, 'a');
    await time.advance(3_000);
    const b = candidate(time, store, 'b');
    await time.advance(3_000);
    const released = a.elector.release();
    await time.advance(0);
    await released;
    assert.equal(store.holder, undefined);
    const t0 = time.monotonicMs;
    await time.advance(2_000);
    assert.ok(b.ledAt !== undefined && b.ledAt - t0 <= 2_000, 'b took it at its next try');
    await time.advance(10_000);
    assert.equal(store.holder, 'b');
    assert.equal(a.lost, undefined, 'a released: it did not lose');
  });

  it('refuses timings that would let a leader act after the lease may have expired', () => {
    const store = new FakeLeaseStore(new FakeTime());
    assert.throws(() => new LeaderElector(store.client(), { lease: 'l', identity: 'a', leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, recordingLog()), /renewDeadline must be shorter than leaseDuration/);
    assert.throws(() => new LeaderElector(store.client(), { lease: 'l', identity: 'a', renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, recordingLog()), /retryPeriod must be shorter than renewDeadline/);
  });
});
