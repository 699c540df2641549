import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyName, validateWorkload, Workload } from '../../../bench/loadgen/workload.ts';
import { Xorshift32 } from '../../../bench/loadgen/poisson.ts';

describe('workload', () => {
  it('names keys with exactly keySize bytes', () => {
    assert.equal(keyName(42, 8), 'k0000042');
    assert.throws(() => keyName(100_000, 4), /too small/);
    assert.throws(() => keyName(1, 251), /250/);
  });

  it('encodes well-formed gets and sets and follows the get ratio', () => {
    const w = new Workload({ keys: 100, keySize: 10, valueSize: 5, getRatio: 0.9 });
    assert.equal(w.setRequest(7).toString(), 'set k000000007 0 0 5\r\nvvvvv\r\n');
    const rng = new Xorshift32(3);
    let gets = 0;
    for (let i = 0; i < 20_000; i++) {
      const req = w.pick(rng).toString();
      assert.match(req, /^(get k\d{9}\r\n|set k\d{9} 0 0 5\r\nvvvvv\r\n)$/);
      if (req.startsWith('get')) gets++;
    }
    assert.ok(Math.abs(gets / 20_000 - 0.9) < 0.01, `get share ${gets / 20_000}`);
  });

  it('rejects impossible specs', () => {
    assert.throws(() => validateWorkload({ keys: 0, keySize: 10, valueSize: 1, getRatio: 0.5 }), /keys/);
    assert.throws(() => validateWorkload({ keys: 10, keySize: 10, valueSize: 1, getRatio: 1.5 }), /ratio/);
  });
});
