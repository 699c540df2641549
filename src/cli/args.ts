import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number >= 1, with an error that names what was wrong. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

/** Commander parser for a whole number >= 0. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number (0 or more), got ${JSON.stringify(value)}`);
  return n;
}

/** "host:port" (host may be empty for all addresses, or a bracketed IPv6 address). */
export function hostPort(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected host:port such as 127.0.0.1:8080, got ${JSON.stringify(value)}`);
  }
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}
