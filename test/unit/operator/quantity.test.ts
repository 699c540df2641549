import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantityToBytes } from '../../../src/operator/dataplane/quantity.ts';

describe('quantityToBytes', () => {
  it('reads every notation the CRD admits (Kubernetes quantities)', () => {
    const cases: [string, number][] = [
      ['64Mi', 64 * 2 ** 20], ['0.125Gi', 128 * 2 ** 20], ['1500', 1500], ['1.5Ki', 1536], ['1G', 1e9], ['2k', 2000],
      ['64e6', 64e6], ['1E3', 1000], ['1E', 1e18], ['+1Mi', 2 ** 20], ['.5Ki', 512], ['1.', 1], ['1500000m', 1500], ['1001m', 2],
    ];
    for (const [q, bytes] of cases) assert.equal(quantityToBytes(q), bytes, q);
  });

  it('refuses what is not a quantity', () => {
    for (const q of ['lots', '1 Mi', 'Mi', '1KB', '1e', '1.2.3']) assert.throws(() => quantityToBytes(q), /not a memory quantity/, q);
  });
});
