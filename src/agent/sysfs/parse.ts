// Pure parsers for the sysfs attribute formats the inventory reads. Kept apart from the file I/O
// so each format is tested on strings.

/** A non-negative decimal attribute such as core_id or nr_hugepages. */
export function parseCount(text: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`${what}: expected a non-negative integer, read ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * A device's numa_node. The kernel writes -1 when the firmware gave no affinity, which happens on
 * single-node machines and in VMs; the device is then as close to cell 0 as to any other.
 */
export function parseNumaNode(text: string): number {
  if (text === '-1') return 0;
  return parseCount(text, 'numa_node');
}

/** MemTotal of a per-node meminfo ("Node 0 MemTotal:  10053408 kB") in bytes; undefined when absent. */
export function parseNodeMemTotal(meminfo: string): number | undefined {
  const m = /^Node\s+\d+\s+MemTotal:\s+(\d+)\s+kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** A PCI address from the name a device symlink points at, or undefined when it is not one (a virtio device, say). */
export function pciAddressOf(name: string | undefined): string | undefined {
  return name && PCI_ADDRESS.test(name) ? name : undefined;
}

/** Index N of a "virtfnN" entry of a PF's device directory, or undefined for other entries. */
export function virtfnIndex(entry: string): number | undefined {
  const m = /^virtfn(0|[1-9][0-9]*)$/.exec(entry);
  return m ? Number(m[1]) : undefined;
}

/**
 * A VF's VLAN from a driver's per-VF sysfs attribute (mlx5's legacy sriov/<n>/vlan, which writes
 * "VLAN : 100" style text or a bare number): the first integer, if it is a valid VLAN id.
 */
export function parseVfVlan(text: string): number | undefined {
  const m = /(\d+)/.exec(text);
  if (!m) return undefined;
  const vlan = Number(m[1]);
  return vlan <= 4095 ? vlan : undefined;
}

/** A VF's trust setting from a driver's per-VF attribute ("1", "on", "Trusted: true", ...). */
export function parseVfTrust(text: string): boolean | undefined {
  if (/\b(1|on|true|yes)\b/i.test(text)) return true;
  if (/\b(0|off|false|no)\b/i.test(text)) return false;
  return undefined;
}
