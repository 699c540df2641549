const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
// Kubernetes' quantity grammar (k8s.io/apimachinery resource.Quantity), which the CRD's isQuantity()
// accepts: a signed decimal, then a binary suffix, a decimal exponent ("64e6"; tried before the
// suffix "E") or a decimal suffix.
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([KMGTPE]i)|[eE]([+-]?[0-9]+)|([numkMGTPE]?))$/;

/** Bytes of a Kubernetes memory quantity ("64Mi", "1G", "1500", "64e6"), rounded up as Kubernetes rounds. */
export function quantityToBytes(q: string): number {
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new Error(`not a memory quantity: ${JSON.stringify(q)}`);
  const [, number, binary, exponent, decimal] = m;
  const scale = binary ? BINARY[binary]! : exponent !== undefined ? 10 ** Number(exponent) : DECIMAL[decimal ?? '']!;
  return Math.ceil(Number(number) * scale);
}
