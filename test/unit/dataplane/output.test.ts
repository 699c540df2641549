import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Output } from '../../../src/dataplane/protocol/output.ts';
import { Store } from '../../../src/dataplane/store/store.ts';

const written = (out: Output) => Buffer.concat(out.take().chunks);

describe('Output', () => {
  it('writes any integer below 2^53 in decimal, as String() does', () => {
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.constantFrom(0, 9, 10, 99, 100, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (n) => {
      const out = new Output();
      out.uint(n);
      assert.equal(written(out).toString('latin1'), String(n));
    }));
  });

  it('writes text of any length byte for byte as latin1 (short text in a loop, long text natively)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 }), (s) => {
      const out = new Output();
      out.line(s);
      assert.deepEqual(written(out), Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from('\r\n')]));
    }));
  });

  it('copies byte ranges of any length, and keeps earlier batches intact when its scratch buffer fills', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 8 }), (parts) => {
      const out = new Output();
      const src = Buffer.concat(parts.map((p) => Buffer.concat([Buffer.from('..'), p])));
      let at = 0;
      for (const p of parts) {
        out.bytesOf(src, at + 2, at + 2 + p.length);
        out.byte(0x7c);
        at += 2 + p.length;
      }
      assert.deepEqual(written(out), Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from('|')])));
    }));
  });
});

describe('Store batch clock', () => {
  it('reads the clock once per batch and follows the real clock outside one', () => {
    const store = Store.create({ memoryLimitMiB: 1, itemSizeMax: 1024 * 1024 });
    const realNow = Date.now;
    let ms = 1_700_000_000_000;
    Date.now = () => ms;
    try {
      assert.equal(store.now(), 1_700_000_000);
      store.beginBatch();
      ms += 5000;
      assert.equal(store.now(), 1_700_000_000, 'inside a batch the time of beginBatch holds');
      store.endBatch();
      assert.equal(store.now(), 1_700_000_005, 'outside a batch the clock is read again');
    } finally {
      Date.now = realNow;
    }
  });
});
