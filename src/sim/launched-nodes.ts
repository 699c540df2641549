// Plays the node agent (and the cloud's node bootstrap) for the kwok nodes an autoscaler launches:
// a new Karpenter node gets a pod CIDR on the loopback range, as the harness gives its own fake
// nodes (so kwok never hands its pods addresses off this machine), then the DataplaneNode its agent
// would publish, owned by the Node so that the garbage collector deletes it with the node.
import * as k8s from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { buildFakeInventory } from './fake-inventory.ts';
import { podCidrFor } from './fake-node.ts';
import { KARPENTER_NODEPOOL_LABEL, KWOK_INSTANCE_CPU_LABEL } from './karpenter-resources.ts';
import { GROUP, VERSION } from '../api/constants.ts';
import { httpStatusOf, sleep } from '../lib/kube.ts';

/**
 * Pod CIDR indexes of launched nodes start here, far above the harness's own kwok-node-<i> (which
 * take 0, 1, ...), so that nodes added later by either never share a /24.
 */
export const LAUNCHED_NODE_FIRST_INDEX = 8192;

/** The index podCidrFor() gave this CIDR, if it is one of its. */
export function podCidrIndex(cidr: string | undefined): number | undefined {
  const m = /^127\.(\d+)\.(\d+)\.0\/24$/.exec(cidr ?? '');
  return m ? (Number(m[1]) - 1) * 256 + Number(m[2]) : undefined;
}

/** The lowest free index from LAUNCHED_NODE_FIRST_INDEX on, given the CIDRs the nodes have. */
export function nextFreeIndex(nodes: readonly V1Node[]): number {
  const used = new Set(nodes.map((n) => podCidrIndex(n.spec?.podCIDR)).filter((i) => i !== undefined));
  let i = LAUNCHED_NODE_FIRST_INDEX;
  while (used.has(i)) i++;
  return i;
}

/** The DataplaneNode of a launched node: its CPUs from the instance type, its VFs from what it advertises. */
export function launchedInventory(node: V1Node, vfResource: string): Record<string, unknown> {
  const name = node.metadata!.name!;
  const cpus = Number(node.metadata?.labels?.[KWOK_INSTANCE_CPU_LABEL]);
  const vfs = Number(node.status?.allocatable?.[vfResource] ?? 0);
  if (!Number.isInteger(cpus) || cpus < 1) throw new Error(`node ${name} has no CPU count in its ${KWOK_INSTANCE_CPU_LABEL} label`);
  // One NUMA cell of single-thread cores with none reserved: exactly the CPUs the instance type
  // tells Karpenter of (docs/autoscaling.md: an autoscaler sees no topology and no reservation it
  // is not told of).
  const inventory = buildFakeInventory({ name, cpus, vfs, numaCells: 1, threadsPerCore: 1, reservedCoresPerCell: 0 });
  return {
    ...inventory,
    metadata: {
      name,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
    },
  };
}

export class LaunchedNodeAgents {
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly kc: k8s.KubeConfig, private readonly vfResource: string, private readonly log: (line: string) => void = () => {}) {}

  /** Follows the cluster's nodes until stop(), every `everyMs` (a node agent starts as its node boots). */
  start(everyMs = 250): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.pass().catch((e: unknown) => this.log(`launched-node agents: ${e instanceof Error ? e.message : String(e)}`));
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** One look at the nodes: a CIDR and an inventory for every launched node that lacks one. */
  async pass(): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const nodes = (await core.listNode()).items;
    const inventories = new Set(((await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes' })) as { items: { metadata: { name: string } }[] }).items.map((d) => d.metadata.name));
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      if (!(KARPENTER_NODEPOOL_LABEL in (node.metadata?.labels ?? {})) || node.metadata?.deletionTimestamp) continue;
      if (!node.spec?.podCIDR) {
        const cidr = podCidrFor(nextFreeIndex(nodes));
        await core.patchNode({ name, body: { spec: { podCIDR: cidr, podCIDRs: [cidr] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
        node.spec = { ...node.spec, podCIDR: cidr };
        this.log(`node ${name}: pod CIDR ${cidr}`);
      }
      if (inventories.has(name)) continue;
      await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes', body: launchedInventory(node, this.vfResource) })
        .catch((e: unknown) => { if (httpStatusOf(e) !== 409) throw e; });
      this.log(`node ${name}: DataplaneNode published`);
    }
  }
}
