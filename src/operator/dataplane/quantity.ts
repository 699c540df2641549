const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes of a Kubernetes memory quantity ("64Mi", "1G", "1500"). The CRD has checked the syntax. */
export function quantityToBytes(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i|[kMGTPE]?)$/.exec(q.trim());
  if (!m) throw new Error(`not a memory quantity: ${JSON.stringify(q)}`);
  const unit = m[2]!;
  return Math.ceil(Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit]!));
}
