import { Option, type Command } from 'commander';
import { SimCluster } from '../sim/cluster.ts';
import { DEFAULT_VF_RESOURCE } from '../sim/fake-node.ts';
import { RealNode } from '../sim/real-node.ts';
import { IMAGES, imageArchives } from '../sim/images.ts';
import { AUTOSCALERS, startAutoscaler, stopAutoscaler, type AutoscalerName } from '../sim/autoscaler.ts';
import { LaunchedNodeAgents } from '../sim/launched-nodes.ts';
import { positiveInt } from './args.ts';

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** `ixctl sim`: a simulated cluster (real control plane, kwok nodes) for trying the operator. */
export function registerSim(program: Command): void {
  const sim = program
    .command('sim')
    .description('run a simulated Kubernetes cluster on this machine: a real etcd, kube-apiserver, controller-manager and scheduler, with kwok faking the nodes');

  sim
    .command('up')
    .description('start a simulated cluster and print the path of its kubeconfig')
    .option('--name <name>', 'cluster name', 'ix-sim')
    .option('--nodes <n>', 'fake nodes to create', positiveInt, 4)
    .option('--cpus <n>', 'CPUs per fake node', positiveInt, 64)
    .option('--memory <quantity>', 'memory per fake node', '256Gi')
    .option('--hugepages-1gi <quantity>', '1 GiB hugepages per fake node', '16Gi')
    .option('--vfs <n>', 'SR-IOV virtual functions per fake node', positiveInt, 16)
    .option('--vf-resource <name>', 'extended resource name the VFs are advertised under', DEFAULT_VF_RESOURCE)
    .addOption(new Option('--autoscaler <name>', 'also run a cluster autoscaler: Karpenter with its kwok provider launches nodes (instance types that offer the VFs) for replicas that fit nowhere and consolidates emptied ones').choices(AUTOSCALERS))
    .option('--real-node', 'also join this machine as a real node (kubelet, containerd, runc, CNI; the project\'s images loaded): needs root and `npm run setup:test`')
    .action(async (o: { name: string; nodes: number; cpus: number; memory: string; hugepages1gi: string; vfs: number; vfResource: string; autoscaler?: AutoscalerName; realNode?: boolean }) => {
      const cluster = await SimCluster.create({
        name: o.name,
        nodes: o.nodes,
        withCrds: true,
        node: { cpus: o.cpus, memory: o.memory, hugepages1Gi: o.hugepages1gi, vfs: o.vfs, vfResource: o.vfResource },
        log: progress,
      });
      progress(`cluster ${cluster.name} is up at ${cluster.server} with ${o.nodes} fake nodes, the ix.dev CRDs and a DataplaneNode per node`);
      if (o.autoscaler) {
        await startAutoscaler(cluster, { vfResource: o.vfResource, log: progress });
        progress('Karpenter runs (NodePool ix-dataplanes, instance types ix-c8, ix-c16, ix-c32); each node it launches gets a DataplaneNode');
      }
      if (o.realNode) {
        const node = await RealNode.start(cluster, { images: imageArchives(), log: progress });
        progress(`real node ${node.name} is Ready at ${node.nodeIp} (pods on bridge ${node.bridge}); the images ${Object.values(IMAGES).join(', ')} are loaded`);
        progress(`  its node agent: ixctl agent --kubeconfig ${cluster.kubeconfigPath} --node-name ${node.name} --reserved-cpus ''`);
      }
      progress(`stop it with: ixctl sim down --name ${cluster.name}`);
      progress('use it with:');
      progress(`  export KUBECONFIG=${cluster.kubeconfigPath}`);
      process.stdout.write(`${cluster.kubeconfigPath}\n`);
    });

  sim
    .command('down')
    .description('stop a simulated cluster and delete its data')
    .option('--name <name>', 'cluster name', 'ix-sim')
    .option('--all', 'stop every simulated cluster')
    .action(async (o: { name: string; all?: boolean }) => {
      const names = o.all ? SimCluster.list() : [o.name];
      for (const name of names) {
        const cluster = await SimCluster.open(name);
        await stopAutoscaler(cluster);
        for (const node of RealNode.list(cluster)) await node.stop();
        await cluster.delete();
        progress(`cluster ${name} stopped and deleted`);
      }
    });

  // Started by `sim up --autoscaler` as a daemon; not for people.
  sim
    .command('launched-node-agents', { hidden: true })
    .description('play the node agent for the nodes an autoscaler launches: a pod CIDR and a DataplaneNode each')
    .requiredOption('--name <name>', 'cluster name')
    .requiredOption('--vf-resource <name>', 'extended resource the VFs are advertised under')
    .action(async (o: { name: string; vfResource: string }) => {
      const cluster = await SimCluster.open(o.name);
      const agents = new LaunchedNodeAgents(cluster.kubeConfig, o.vfResource, progress);
      agents.start();
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await agents.stop();
    });

  sim
    .command('list')
    .description('list the simulated clusters and their kubeconfig paths')
    .action(async () => {
      for (const name of SimCluster.list()) {
        const cluster = await SimCluster.open(name);
        process.stdout.write(`${name}\t${cluster.server}\t${cluster.kubeconfigPath}\n`);
      }
    });
}
