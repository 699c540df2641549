// An autoscaler for a simulated cluster, as `ixctl sim up --autoscaler karpenter` runs it: Karpenter
// (kwok provider) plus the stand-in node agents of the nodes it launches, both daemons that outlive
// the command, stopped by `ixctl sim down`.
import path from 'node:path';
import type { ClusterHandle } from './cluster-handle.ts';
import { Karpenter, type KarpenterOptions } from './karpenter.ts';
import { spawnDaemon, stopDaemon } from './daemon.ts';

export const AUTOSCALERS = ['karpenter'] as const;
export type AutoscalerName = (typeof AUTOSCALERS)[number];

const AGENTS = 'launched-node-agents';

/**
 * Starts Karpenter, then `ixctl sim launched-node-agents` detached (this same CLI, through the same
 * Node and loader it runs on), which publishes a DataplaneNode for every node Karpenter launches.
 */
export async function startAutoscaler(cluster: ClusterHandle, opts: KarpenterOptions): Promise<Karpenter> {
  const karpenter = await Karpenter.start(cluster, opts);
  spawnDaemon({
    dir: Karpenter.dirOf(cluster), what: AGENTS, file: process.execPath,
    args: [...process.execArgv, path.resolve(process.argv[1]!), 'sim', 'launched-node-agents', '--name', cluster.name, '--vf-resource', opts.vfResource],
  });
  return karpenter;
}

/** Stops what startAutoscaler started, if anything (a cluster without an autoscaler has nothing to stop). */
export async function stopAutoscaler(cluster: ClusterHandle): Promise<void> {
  await stopDaemon(Karpenter.dirOf(cluster), AGENTS);
  await Karpenter.find(cluster)?.stop();
}
