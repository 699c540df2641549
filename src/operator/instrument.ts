import type { Histogram } from 'prom-client';
import type { Logger } from '../lib/log.ts';

/**
 * Wraps every async method of `target` to time it into `histogram{call}` (a count and a latency per
 * API call the operator makes) and to log slow calls: API writes are where a reconcile waits.
 */
export function instrument<T extends object>(target: T, histogram: Histogram<'call'>, log: Logger, slowMs = 2_000): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        } finally {
          const ms = performance.now() - start;
          histogram.observe({ call: prop }, ms / 1000);
          if (ms > slowMs) log.warn('slow API call', { call: prop, ms: Math.round(ms) });
        }
      };
    },
  });
}
