import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCount, parseNodeMemTotal, parseNumaNode, parseVfTrust, parseVfVlan, pciAddressOf, virtfnIndex } from '../../../src/agent/sysfs/parse.ts';

describe('sysfs attribute parsers', () => {
  it('reads counts strictly', () => {
    assert.equal(parseCount('12', 'x'), 12);
    assert.throws(() => parseCount('-1', 'core_id'), /core_id: expected a non-negative integer, read "-1"/);
    assert.throws(() => parseCount('1 2', 'x'));
  });
  it('maps a device without NUMA affinity (-1) to cell 0', () => {
    assert.equal(parseNumaNode('-1'), 0);
    assert.equal(parseNumaNode('1'), 1);
  });
  it('reads MemTotal of a per-node meminfo in bytes', () => {
    assert.equal(parseNodeMemTotal('Node 1 MemTotal:       10053408 kB\nNode 1 MemFree:  1 kB'), 10053408 * 1024);
    assert.equal(parseNodeMemTotal('MemTotal: 5 kB'), undefined);
  });
  it('recognises PCI addresses and virtfn entries', () => {
    assert.equal(pciAddressOf('0000:3b:02.1'), '0000:3b:02.1');
    assert.equal(pciAddressOf('virtio2'), undefined);
    assert.equal(virtfnIndex('virtfn12'), 12);
    assert.equal(virtfnIndex('virtfn01'), undefined);
    assert.equal(virtfnIndex('physfn'), undefined);
  });
  it('reads VLAN and trust from drivers\' per-VF attributes', () => {
    assert.equal(parseVfVlan('VLAN : 100'), 100);
    assert.equal(parseVfVlan('5000'), undefined);
    assert.equal(parseVfTrust('on'), true);
    assert.equal(parseVfTrust('Trusted: 0'), false);
    assert.equal(parseVfTrust('?'), undefined);
  });
});
