// Whether the DataplaneNode spec on the server needs the agent's inventory written over it. Pure.
//
// The hardware lists (cpus, numaCells, vfs) are facts the agent reads; they must equal what sysfs
// says, entry for entry, whoever wrote them before (an admin, `ixctl sim`). reservedCpus and
// vfResourceName are configuration: the agent writes them when given its flags, and otherwise
// leaves an admin's values alone.
import type { DataplaneNodeSpec } from '../api/dataplane-node.ts';
import { stableJson } from '../operator/dataplane/spec-hash.ts';

export const HARDWARE_FIELDS = ['cpus', 'numaCells', 'vfs'] as const;
export type HardwareField = (typeof HARDWARE_FIELDS)[number];

const same = (a: unknown, b: unknown) => stableJson(a ?? null) === stableJson(b ?? null);

/** Hardware lists on the server that differ from the inventory (including lists it should not have). */
export function hardwareDrift(current: Partial<DataplaneNodeSpec> | undefined, desired: DataplaneNodeSpec): HardwareField[] {
  return HARDWARE_FIELDS.filter((f) => !same(current?.[f], desired[f]));
}

/** True when the server's spec differs from the inventory in anything the agent owns. */
export function specNeedsWrite(current: Partial<DataplaneNodeSpec> | undefined, desired: DataplaneNodeSpec): boolean {
  if (!current) return true;
  if (hardwareDrift(current, desired).length > 0) return true;
  return (['reservedCpus', 'vfResourceName'] as const).some((f) => desired[f] !== undefined && !same(current[f], desired[f]));
}
