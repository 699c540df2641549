/** Relative expiration times above this many seconds (30 days) are absolute unix times, like memcached. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;

/**
 * A client exptime as an absolute unix time: 0 = never; negative = already expired (stored as 1,
 * which is always in the past); up to 30 days = seconds from now; beyond = absolute unix time.
 */
export function absoluteExptime(exptime: number, now: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return 1;
  if (exptime > REALTIME_MAXDELTA) return exptime;
  return now + exptime;
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
