import type { IxResource } from './resource.ts';
import { Type, type Static } from '@sinclair/typebox';
import { Condition, CpuSet, ExtendedResourceName, MapList, NetdevName, StringMap } from './schema-types.ts';

export const CpuInfo = Type.Object({
  id: Type.Integer({ minimum: 0, maximum: 8191, description: 'Logical CPU id.' }),
  core: Type.Integer({ minimum: 0, description: 'Physical core id (hyperthread siblings share socket and core).' }),
  socket: Type.Integer({ minimum: 0 }),
  numa: Type.Integer({ minimum: 0, maximum: 1023 }),
});

export const NumaCell = Type.Object({
  id: Type.Integer({ minimum: 0, maximum: 1023 }),
  cpus: CpuSet('CPUs of the cell.'),
  memoryBytes: Type.Optional(Type.Integer({ format: 'int64', minimum: 0 })),
  hugepages1Gi: Type.Optional(Type.Integer({ minimum: 0, description: 'Free 1 GiB hugepages.' })),
  hugepages2Mi: Type.Optional(Type.Integer({ minimum: 0, description: 'Free 2 MiB hugepages.' })),
});

export const VfInfo = Type.Object({
  pciAddress: Type.String({ pattern: '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$', description: 'PCI address of the VF, e.g. 0000:3b:02.1.' }),
  pf: NetdevName('Netdev name of the physical function.'),
  pfPciAddress: Type.Optional(Type.String({ pattern: '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$' })),
  index: Type.Optional(Type.Integer({ minimum: 0 })),
  numa: Type.Integer({ minimum: 0, maximum: 1023 }),
  netdev: Type.Optional(NetdevName()),
  driver: Type.Optional(Type.String({ maxLength: 64 })),
  vlan: Type.Optional(Type.Integer({ minimum: 0, maximum: 4095 })),
  trust: Type.Optional(Type.Boolean()),
});

export const DataplaneNodeSpec = Type.Object({
  cpus: MapList(CpuInfo, 'id', { maxItems: 8192, description: 'Online CPUs and their topology.' }),
  reservedCpus: Type.Optional(CpuSet('CPUs kept for the system and ordinary pods; never dedicated.')),
  numaCells: Type.Optional(MapList(NumaCell, 'id', { maxItems: 64 })),
  vfs: Type.Optional(MapList(VfInfo, 'pciAddress', { maxItems: 1024, description: 'SR-IOV virtual functions that may be pinned to dataplanes.' })),
  vfResourceName: Type.Optional(ExtendedResourceName('Extended resource the node advertises these VFs under.')),
}, {
  'x-kubernetes-validations': [
    { rule: '!has(self.vfs) || !has(self.numaCells) || self.vfs.all(v, self.numaCells.exists(c, c.id == v.numa))', message: 'every VF must be on a NUMA cell listed in numaCells' },
  ],
});

export const NodeAllocation = Type.Object({
  pod: Type.String({ description: 'namespace/name of the pod.' }),
  dataplane: Type.String(),
  numa: Type.Integer(),
  cpus: CpuSet('Dedicated CPUs.'),
  activeCpus: Type.Optional(CpuSet('Active CPUs.')),
  vf: Type.Optional(Type.String()),
});

/** What the node agent applied beside a dataplane pod's cpuset: its memory cell and its VF's side (ADR 0013). */
export const AppliedLocality = Type.Object({
  pod: Type.String({ description: 'namespace/name of the dataplane pod.' }),
  mems: Type.Optional(CpuSet('NUMA cells the pod\'s cgroups allocate memory from (cpuset.mems).')),
  vf: Type.Optional(Type.String({ description: 'PCI address of the pod\'s VF.' })),
  irqs: Type.Optional(StringMap('VF interrupt (IRQ number) → the CPUs it is delivered to (smp_affinity_list), for the vectors in place.')),
  channels: Type.Optional(Type.Integer({ minimum: 0, description: 'The VF\'s combined channel (queue) count, when the agent could set it.' })),
});

export const DataplaneNodeStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  allocatedCpus: Type.Optional(CpuSet('CPUs dedicated to dataplanes.')),
  sharedPool: Type.Optional(CpuSet('CPUs no dataplane holds: what the node agent gives every other pod.')),
  cpusTotal: Type.Optional(Type.Integer()),
  cpusFree: Type.Optional(Type.Integer({ description: 'CPUs that can still be dedicated.' })),
  vfsTotal: Type.Optional(Type.Integer()),
  vfsFree: Type.Optional(Type.Integer()),
  allocations: Type.Optional(MapList(NodeAllocation, 'pod', { maxItems: 4096 })),
  appliedCpusets: Type.Optional(StringMap('pod → cpuset the node agent applied.')),
  appliedLocality: Type.Optional(MapList(AppliedLocality, 'pod', { maxItems: 4096, description: 'Per dataplane pod, what the node agent applied beside the cpuset: memory cell, VF interrupts, channel count.' })),
  conditions: Type.Optional(MapList(Condition, 'type', { maxItems: 16 })),
});

export type CpuInfo = Static<typeof CpuInfo>;
export type VfInfo = Static<typeof VfInfo>;
export type DataplaneNodeSpec = Static<typeof DataplaneNodeSpec>;
export type DataplaneNodeStatus = Static<typeof DataplaneNodeStatus>;
export type AppliedLocality = Static<typeof AppliedLocality>;

export type DataplaneNode = IxResource<'DataplaneNode', DataplaneNodeSpec, DataplaneNodeStatus>;
