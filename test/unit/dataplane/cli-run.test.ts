import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { itemSize, sizeProblem } from '../../../src/cli/run.ts';

describe('ixctl run -I', () => {
  it('reads sizes the way memcached does: bytes, k or m', () => {
    assert.equal(itemSize('1m'), 1024 * 1024);
    assert.equal(itemSize('512k'), 512 * 1024);
    assert.equal(itemSize('2048'), 2048);
    assert.equal(itemSize('2M'), 2 * 1024 * 1024);
  });
  it('refuses nonsense and sizes outside 1k..64m', () => {
    for (const bad of ['', 'm', '1g', '-1', '1.5m', '100', '65m']) assert.throws(() => itemSize(bad), /size/);
  });
  it('refuses an item size limit above half of the memory limit, as memcached does', () => {
    assert.equal(sizeProblem(64, 1024 * 1024), undefined);
    assert.equal(sizeProblem(2, 1024 * 1024), undefined, 'exactly half is allowed');
    assert.match(sizeProblem(1, 1024 * 1024) ?? '', /higher than half of the memory limit \(-m 1\)/);
  });
});
