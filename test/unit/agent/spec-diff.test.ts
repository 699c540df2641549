import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hardwareDrift, specNeedsWrite } from '../../../src/agent/spec-diff.ts';
import type { DataplaneNodeSpec } from '../../../src/api/dataplane-node.ts';

const mine: DataplaneNodeSpec = {
  cpus: [{ id: 0, core: 0, socket: 0, numa: 0 }, { id: 1, core: 1, socket: 0, numa: 0 }],
  numaCells: [{ id: 0, cpus: '0-1' }],
};

describe('spec drift', () => {
  it('needs no write when the server holds the inventory, whatever the key order', () => {
    const server = { numaCells: [{ cpus: '0-1', id: 0 }], cpus: mine.cpus.map((c) => ({ numa: c.numa, socket: c.socket, core: c.core, id: c.id })) };
    assert.equal(specNeedsWrite(server, mine), false);
    assert.deepEqual(hardwareDrift(server, mine), []);
  });

  it('replaces hardware lists with foreign entries or that the machine does not have', () => {
    const server = { ...mine, cpus: [...mine.cpus, { id: 63, core: 15, socket: 1, numa: 1 }], vfs: [{ pciAddress: '0000:3b:02.0', pf: 'ens1f0', numa: 0 }] };
    assert.equal(specNeedsWrite(server, mine), true);
    assert.deepEqual(hardwareDrift(server, mine), ['cpus', 'vfs']);
  });

  it('leaves an admin\'s reservedCpus alone unless the agent was given its own', () => {
    assert.equal(specNeedsWrite({ ...mine, reservedCpus: '0' }, mine), false);
    assert.equal(specNeedsWrite({ ...mine, reservedCpus: '0' }, { ...mine, reservedCpus: '1' }), true);
    assert.equal(specNeedsWrite(undefined, mine), true);
  });
});
