import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCpuset, parseCpuset } from '../../../src/operator/placement/index.ts';

describe('parseCpuset', () => {
  it('reads single CPUs and ranges into sorted ids', () => {
    assert.deepEqual(parseCpuset('0-3,8,10-11'), [0, 1, 2, 3, 8, 10, 11]);
    assert.deepEqual(parseCpuset('8,0-1'), [0, 1, 8]);
    assert.deepEqual(parseCpuset('5-5'), [5]);
    assert.deepEqual(parseCpuset('0'), [0]);
  });

  it('reads the empty string as the empty set', () => {
    assert.deepEqual(parseCpuset(''), []);
  });

  it('refuses malformed lists with a message naming the problem', () => {
    assert.throws(() => parseCpuset('3-1'), /range "3-1" runs backwards/);
    assert.throws(() => parseCpuset('a'), /"a" is not a CPU number/);
    assert.throws(() => parseCpuset('1,,2'), /empty element/);
    assert.throws(() => parseCpuset(','), /empty element/);
    assert.throws(() => parseCpuset('1,'), /empty element/);
    assert.throws(() => parseCpuset('-1'), /"" is not a CPU number/);
    assert.throws(() => parseCpuset('1-'), /"" is not a CPU number/);
    assert.throws(() => parseCpuset('1-2-3'), /"2-3" is not a CPU number/);
    assert.throws(() => parseCpuset(' 1'), /not a CPU number/);
    assert.throws(() => parseCpuset('01'), /not a CPU number/);
    assert.throws(() => parseCpuset('+1'), /not a CPU number/);
    assert.throws(() => parseCpuset('1.5'), /not a CPU number/);
    assert.throws(() => parseCpuset('0-2,2'), /CPU 2 is listed twice/);
    assert.throws(() => parseCpuset('99999999'), /above 65535/);
  });
});

describe('formatCpuset', () => {
  it('writes runs as ranges, the way the kernel writes cpuset.cpus', () => {
    assert.equal(formatCpuset([0, 1, 2, 3, 8, 10, 11]), '0-3,8,10-11');
    assert.equal(formatCpuset([11, 10, 3, 2, 1, 0, 8]), '0-3,8,10-11');
    assert.equal(formatCpuset([4]), '4');
    assert.equal(formatCpuset([]), '');
  });

  it('refuses ids that are not CPU numbers', () => {
    assert.throws(() => formatCpuset([-1]), /cannot format CPU id -1/);
    assert.throws(() => formatCpuset([1.5]), /cannot format/);
  });

  it('round-trips any set of CPU ids', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }), (ids) => {
      const text = formatCpuset(ids);
      assert.deepEqual(parseCpuset(text), [...ids].sort((a, b) => a - b));
      assert.equal(formatCpuset(parseCpuset(text)), text);
    }));
  });
});
