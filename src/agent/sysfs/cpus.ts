// Online CPUs and their topology, from /sys/devices/system/cpu. Offline CPUs have no topology
// directory and can run nothing, so only the online list is read.
import { parseCpuset } from '../../lib/cpuset.ts';
import { parseCount } from './parse.ts';
import type { Sysfs } from './read.ts';

export interface RawCpu {
  id: number;
  coreId: number;
  packageId: number;
  /** Hyperthread siblings, the CPU itself included. */
  siblings: number[];
}

export async function readCpus(sys: Sysfs): Promise<RawCpu[]> {
  const online = await sys.text('devices/system/cpu/online');
  if (online === undefined) throw new Error(`${sys.root}/devices/system/cpu/online is missing: is ${sys.root} a sysfs?`);
  const out: RawCpu[] = [];
  for (const id of parseCpuset(online)) {
    const dir = `devices/system/cpu/cpu${id}/topology`;
    const [core, pkg, siblings] = await Promise.all([
      sys.text(`${dir}/core_id`), sys.text(`${dir}/physical_package_id`), sys.text(`${dir}/thread_siblings_list`),
    ]);
    if (core === undefined || pkg === undefined) throw new Error(`CPU ${id} is online but ${sys.root}/${dir} has no core_id or physical_package_id`);
    out.push({
      id,
      coreId: parseCount(core, `cpu${id} core_id`),
      // Some VMs and old kernels write -1 here when the firmware names no package: one socket.
      packageId: pkg === '-1' ? 0 : parseCount(pkg, `cpu${id} physical_package_id`),
      siblings: siblings === undefined ? [id] : parseCpuset(siblings),
    });
  }
  return out;
}
