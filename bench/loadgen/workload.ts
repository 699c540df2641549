/**
 * What the generator sends: a key space, a value, and a get/set mix. Requests are encoded once up
 * front so that the send loop only picks buffers; string building per request would make the
 * generator, not the server, the thing being measured.
 */
import type { Xorshift32 } from './poisson.ts';

export interface WorkloadSpec {
  keys: number;
  keySize: number;
  valueSize: number;
  /** Fraction of requests that are gets, in [0, 1]; the rest are sets. */
  getRatio: number;
}

export const DEFAULT_WORKLOAD: WorkloadSpec = { keys: 10_000, keySize: 20, valueSize: 32, getRatio: 0.9 };

/** Key i, exactly keySize bytes: "k" then the zero-padded index. */
export function keyName(i: number, keySize: number): string {
  const digits = String(i);
  if (digits.length + 1 > keySize) throw new Error(`key size ${keySize} too small for ${digits.length}-digit key indexes`);
  if (keySize > 250) throw new Error('memcached keys are at most 250 bytes');
  return 'k' + digits.padStart(keySize - 1, '0');
}

export function validateWorkload(w: WorkloadSpec): void {
  if (!Number.isInteger(w.keys) || w.keys < 1) throw new Error(`keys must be a positive integer, got ${w.keys}`);
  if (!Number.isInteger(w.valueSize) || w.valueSize < 0) throw new Error(`value size must be a non-negative integer, got ${w.valueSize}`);
  if (!(w.getRatio >= 0 && w.getRatio <= 1)) throw new Error(`get ratio must be in [0, 1], got ${w.getRatio}`);
  keyName(w.keys - 1, w.keySize);
}

export class Workload {
  private readonly gets: Buffer[];
  private readonly sets: Buffer[];

  constructor(readonly spec: WorkloadSpec) {
    validateWorkload(spec);
    // Printable, so a captured trace is readable; the content does not matter to the servers.
    const value = Buffer.alloc(spec.valueSize, 'v');
    this.gets = new Array<Buffer>(spec.keys);
    this.sets = new Array<Buffer>(spec.keys);
    for (let i = 0; i < spec.keys; i++) {
      const key = keyName(i, spec.keySize);
      this.gets[i] = Buffer.from(`get ${key}\r\n`, 'latin1');
      this.sets[i] = Buffer.concat([Buffer.from(`set ${key} 0 0 ${spec.valueSize}\r\n`, 'latin1'), value, Buffer.from('\r\n')]);
    }
  }

  /** A random get or set of a uniformly chosen key. */
  pick(rng: Xorshift32): Buffer {
    const key = Math.floor(rng.next() * this.spec.keys);
    return rng.next() < this.spec.getRatio ? this.gets[key]! : this.sets[key]!;
  }

  setRequest(key: number): Buffer {
    return this.sets[key]!;
  }
}
