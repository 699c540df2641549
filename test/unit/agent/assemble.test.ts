import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSpec } from '../../../src/agent/inventory.ts';

describe('assembleSpec', () => {
  it('renumbers cores by sibling group when core_id repeats across dies of one package', () => {
    // Two dies in package 0 both numbering their cores from 0: (0, 0) would wrongly pair CPUs 0 and 2.
    const spec = assembleSpec({
      cpus: [
        { id: 0, coreId: 0, packageId: 0, siblings: [0, 1] }, { id: 1, coreId: 0, packageId: 0, siblings: [0, 1] },
        { id: 2, coreId: 0, packageId: 0, siblings: [2, 3] }, { id: 3, coreId: 0, packageId: 0, siblings: [2, 3] },
      ],
      cells: [{ id: 0, cpus: [0, 1, 2, 3] }],
      vfs: [],
    });
    assert.deepEqual(spec.cpus.map((c) => c.core), [0, 0, 2, 2]);
  });

  it('refuses an online CPU in no cell and a VF on a cell the kernel does not list', () => {
    assert.throws(() => assembleSpec({ cpus: [{ id: 0, coreId: 0, packageId: 0, siblings: [0] }], cells: [{ id: 0, cpus: [] }], vfs: [] }), /CPU 0 is online but in no NUMA cell/);
    assert.throws(() => assembleSpec({
      cpus: [{ id: 0, coreId: 0, packageId: 0, siblings: [0] }], cells: [{ id: 0, cpus: [0] }],
      vfs: [{ pciAddress: '0000:3b:01.0', pf: 'ens1', index: 0, numa: 3 }],
    }), /NUMA cell 3, which the kernel does not list/);
  });
});
