// What the rebalancer last read from each dataplane pod (its p99 and active CPUs), kept for the
// Dataplane status. One owner: the rebalancer writes it after each round; the reconciler reads it.
// A module of its own so that neither imports the other.

export interface PodReading { p99Us: number; active: string; at: number }

/**
 * A p99 as status shows it: two significant digits, so that noise in the last digits does not
 * rewrite the status of every Dataplane on every round.
 */
export function formatP99(us: number): string {
  if (us < 1) return '0us';
  const round2 = (v: number) => Number(v.toPrecision(2));
  if (us < 1000) return `${round2(us)}us`;
  if (us < 1_000_000) return `${round2(us / 1000)}ms`;
  return `${round2(us / 1_000_000)}s`;
}

export class PodReadings {
  private readings: ReadonlyMap<string, PodReading> = new Map();

  get(podKey: string): PodReading | undefined {
    return this.readings.get(podKey);
  }

  /** A round's readings replace the last; returns the pods whose p99, as status shows it, moved. */
  replace(readings: ReadonlyMap<string, PodReading>): string[] {
    const before = this.readings;
    this.readings = new Map(readings);
    const changed: string[] = [];
    for (const [podKey, r] of readings) {
      const prev = before.get(podKey);
      if (!prev || formatP99(prev.p99Us) !== formatP99(r.p99Us)) changed.push(podKey);
    }
    return changed;
  }
}
