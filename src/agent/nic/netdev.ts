// Finds a VF's netdev. Left in the host's network namespace it is listed under the VF's PCI device
// in sysfs. Moved into the pod's (host-device CNI does so) it disappears from the host's sysfs, and
// is found through a process of the pod: /proc/<pid>/net/dev names the interfaces of that process's
// namespace, and ethtool -i there says which one is the VF (bus-info = its PCI address).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sysfs } from '../sysfs/read.ts';
import type { ChannelControl, NetdevRef } from './ethtool.ts';

/** Interface names of /proc/<pid>/net/dev ("  eth0: 1234 ..." lines after two header lines). */
export function parseNetDev(text: string): string[] {
  return text.split('\n').slice(2).map((l) => /^\s*([^:\s]+):/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
}

/** A process of the pod: the first PID listed in a cgroup.procs of its cgroup tree. */
async function podPid(dirs: readonly string[]): Promise<number | undefined> {
  for (const dir of dirs) {
    try {
      const pid = (await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8')).split('\n').find((l) => /^[1-9][0-9]*$/.test(l));
      if (pid) return Number(pid);
    } catch {
      // No cgroup.procs here (a fixture, a cgroup gone): look at the next.
    }
  }
  return undefined;
}

export type NetdevLookup = { found: NetdevRef } | { none: string };

export async function findVfNetdev(sys: Sysfs, procRoot: string, pciAddress: string, podCgroups: readonly string[], channels: ChannelControl): Promise<NetdevLookup> {
  const host = await sys.list(`bus/pci/devices/${pciAddress}/net`);
  if (host[0]) return { found: { ifname: host[0] } };
  const pid = await podPid(podCgroups);
  if (pid === undefined) return { none: `VF ${pciAddress} has no netdev on the host and no process of the pod was found to reach the pod's network namespace` };
  const netns = path.join(procRoot, String(pid), 'ns', 'net');
  let names: string[];
  try {
    names = parseNetDev(await fs.readFile(path.join(procRoot, String(pid), 'net', 'dev'), 'utf8'));
  } catch (e) {
    return { none: `cannot list the interfaces of the pod's network namespace (${path.join(procRoot, String(pid), 'net', 'dev')}): ${(e as Error).message}` };
  }
  for (const ifname of names.filter((n) => n !== 'lo')) {
    if (await channels.busInfo({ ifname, netns }) === pciAddress) return { found: { ifname, netns } };
  }
  return { none: `no interface of the pod's network namespace (${names.join(', ')}) is VF ${pciAddress}` };
}
