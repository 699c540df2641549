// Reads the whole inventory of the machine under a sysfs root and assembles the DataplaneNode spec.
import type { DataplaneNodeSpec } from '../api/dataplane-node.ts';
import { assembleSpec, type InventoryOptions } from './inventory.ts';
import { readCpus } from './sysfs/cpus.ts';
import { readNumaCells } from './sysfs/numa.ts';
import { Sysfs } from './sysfs/read.ts';
import { readVfs } from './sysfs/sriov.ts';

export async function discoverInventory(sysfsRoot: string, opts: InventoryOptions = {}): Promise<DataplaneNodeSpec> {
  const sys = new Sysfs(sysfsRoot);
  const [cpus, cells, vfs] = await Promise.all([readCpus(sys), readNumaCells(sys), readVfs(sys)]);
  return assembleSpec({ cpus, cells, vfs }, opts);
}
