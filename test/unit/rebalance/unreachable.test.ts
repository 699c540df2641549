import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorKind, unreachableBackoffMs, unreachableLogLines } from '../../../src/operator/rebalance/unreachable.ts';

describe('unreachable pods in the rebalancer log', () => {
  it('a few newly unreachable pods get a line each', () => {
    const lines = unreachableLogLines([{ pod: 'ns/a-1', error: 'connect ECONNREFUSED 10.0.0.7:8080' }, { pod: 'ns/a-2', error: 'timeout' }]);
    assert.deepEqual(lines.map((l) => l.fields['pod']), ['ns/a-1', 'ns/a-2']);
    assert.equal(unreachableLogLines([]).length, 0);
  });

  it('a thousand at once are one line that counts them and groups their errors', () => {
    const newly = Array.from({ length: 1000 }, (_, i) => ({ pod: `ns/p-${i}`, error: i % 4 ? `connect ECONNREFUSED 127.0.${i >> 8}.${i & 255}:8080` : 'The operation was aborted due to timeout' }));
    const [line, ...rest] = unreachableLogLines(newly);
    assert.equal(rest.length, 0);
    assert.match(line!.message, /cannot read the load of 1000 dataplane pods/);
    assert.deepEqual(line!.fields['pods'], ['ns/p-0', 'ns/p-1', 'ns/p-2', 'ns/p-3', 'ns/p-4']);
    assert.equal(line!.fields['more'], 995);
    assert.deepEqual(line!.fields['errors'], [{ error: 'connect ECONNREFUSED <pod>', pods: 750 }, { error: 'The operation was aborted due to timeout', pods: 250 }]);
  });

  it('takes IPv4 and bracketed IPv6 addresses out of an error, and nothing else', () => {
    assert.equal(errorKind('connect ECONNREFUSED 127.0.0.5:8080'), 'connect ECONNREFUSED <pod>');
    assert.equal(errorKind('fetch http://[fd00::5]:8080/v1/load failed'), 'fetch http://<pod>/v1/load failed');
    assert.equal(errorKind('/v1/load answered 503: not serving yet'), '/v1/load answered 503: not serving yet');
  });
});

describe('asking unreachable pods again', () => {
  it('waits one round after the first failure, doubling to at most 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((f) => unreachableBackoffMs(f, 2000)), [2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(unreachableBackoffMs(100, 2000), 30_000, 'no overflow past the cap');
  });
});
