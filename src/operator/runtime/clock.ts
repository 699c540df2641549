// Time as the leader election reads it. Whether a lease has expired is judged on a monotonic clock:
// a wall clock can be set back or forward (NTP stepping, an admin, a VM resumed), and another
// node's wall clock, which wrote the Lease's renewTime, is not ours to compare with (client-go's
// rule). Injectable, so tests can skew and jump it.
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds on a clock that never jumps: only differences between two readings mean anything. */
  monotonicMs(): number;
  /** The wall clock: for timestamps people and other tools read (renewTime), never for deciding. */
  wallNow(): Date;
  /** Resolves after `ms` on the monotonic clock; rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallNow: () => new Date(),
  sleep: (ms, signal) => sleepFor(ms, undefined, { signal }),
};
