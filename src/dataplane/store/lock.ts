// A mutex in one Int32Array slot: 0 = free, 1 = held, 2 = held with possible sleepers.
// Uncontended lock and unlock are a single compareExchange / sub; under contention the caller
// spins briefly (critical sections are a few hundred nanoseconds) before sleeping in Atomics.wait,
// and unlock wakes one sleeper only when someone may be sleeping.

const SPINS = 64;

export function lock(a: Int32Array, i: number): void {
  if (Atomics.compareExchange(a, i, 0, 1) === 0) return;
  for (let s = 0; s < SPINS; s++) {
    if (Atomics.load(a, i) === 0 && Atomics.compareExchange(a, i, 0, 1) === 0) return;
  }
  let c = Atomics.exchange(a, i, 2);
  while (c !== 0) {
    Atomics.wait(a, i, 2);
    c = Atomics.exchange(a, i, 2);
  }
}

export function tryLock(a: Int32Array, i: number): boolean {
  return Atomics.compareExchange(a, i, 0, 1) === 0;
}

export function unlock(a: Int32Array, i: number): void {
  if (Atomics.sub(a, i, 1) !== 1) {
    Atomics.store(a, i, 0);
    Atomics.notify(a, i, 1);
  }
}
