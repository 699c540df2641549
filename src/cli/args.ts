import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number >= 1, with an error that names what was wrong. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}
