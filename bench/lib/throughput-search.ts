/**
 * The search for the highest offered rate a server sustains within a latency objective: double the
 * rate until a step fails, then bisect between the last pass and the first failure. Each probe is
 * a few seconds of load, so the search is kept to a handful of steps.
 */
import type { StepResult } from '../loadgen/load-generator.ts';

export interface SearchOptions {
  start: number;
  /** Never offer more than this (a pass here ends the search and marks the result capped). */
  max: number;
  /** Rates below this are not worth probing (the server is failing even at trivial load). */
  min: number;
  bisectSteps: number;
}

export interface SearchResult<P> {
  /** Achieved throughput at the highest passing rate, 0 if none passed. */
  best: number;
  bestRate: number;
  capped: boolean;
  probes: P[];
}

/**
 * A step meets the objective when it kept up, lost nothing and held p99 within the bound. A step
 * the generator could not fully send says nothing about the server, so it does not pass either.
 */
export function meetsObjective(r: StepResult, p99MaxUs: number): boolean {
  return r.count > 0 && r.errors === 0 && r.unanswered === 0 && r.unsent === 0 && r.achieved >= 0.95 * r.offered && r.p99 <= p99MaxUs;
}

export async function searchMaxRate<P extends { achieved: number }>(
  probe: (rate: number) => Promise<{ pass: boolean; result: P }>,
  opts: SearchOptions,
): Promise<SearchResult<P>> {
  const probes: P[] = [];
  let lo = 0;
  let best = 0;
  let hi = Infinity;
  const tryRate = async (rate: number): Promise<boolean> => {
    const { pass, result } = await probe(rate);
    probes.push(result);
    if (pass) {
      lo = rate;
      best = result.achieved;
    } else {
      hi = Math.min(hi, rate);
    }
    return pass;
  };

  if (await tryRate(opts.start)) {
    // Up: double until a failure or the cap.
    for (let rate = opts.start * 2; rate <= opts.max; rate *= 2) if (!(await tryRate(rate))) break;
    if (hi === Infinity && lo < opts.max) await tryRate(opts.max);
  } else {
    // Down: halve until a pass or the floor.
    for (let rate = opts.start / 2; rate >= opts.min; rate /= 2) if (await tryRate(rate)) break;
  }
  if (lo === 0 || hi === Infinity) return { best, bestRate: lo, capped: hi === Infinity && lo > 0, probes };
  for (let i = 0; i < opts.bisectSteps; i++) await tryRate(Math.round((lo + hi) / 2));
  return { best, bestRate: lo, capped: false, probes };
}

/**
 * A search probe from a load step: on a shared machine other work can stall the generator or the
 * server for milliseconds, which only ever makes a step look worse, so a failed step is repeated up
 * to `retries` times and the better try counts.
 */
export function probeWithRetries(step: (rate: number) => Promise<StepResult>, retries: number, p99MaxUs: number): (rate: number) => Promise<{ pass: boolean; result: StepResult }> {
  return async (rate) => {
    let result = await step(rate);
    for (let i = 0; i < retries && !meetsObjective(result, p99MaxUs); i++) {
      const again = await step(rate);
      if (meetsObjective(again, p99MaxUs) || again.p99 < result.p99) result = again;
    }
    return { pass: meetsObjective(result, p99MaxUs), result };
  };
}
