import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memcaslapConfig, parseMemcaslap } from '../../../bench/lib/memcaslap.ts';

describe('memcaslap', () => {
  it('is given the workload\'s key and value sizes and its set/get mix', () => {
    assert.equal(memcaslapConfig({ keys: 10_000, keySize: 20, valueSize: 32, getRatio: 0.9 }), 'key\n20 20 1\nvalue\n32 32 1\ncmd\n0 0.100\n1 0.900\n');
  });

  it('reads its summary line and its get misses', () => {
    const out = 'cmd_get: 41311\ncmd_set: 4611\nget_misses: 3\nwritten_bytes: 1381600\n\nRun time: 1.0s Ops: 45922 TPS: 45916 Net_rate: 4.2M/s\n';
    assert.deepEqual(parseMemcaslap(out), { ops: 45922, tps: 45916, getMisses: 3 });
    assert.throws(() => parseMemcaslap('servers: 127.0.0.1:1\nconnect error\n'), /memcaslap printed no summary: .*connect error/);
  });
});
