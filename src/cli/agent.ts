import os from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { NodeAgent } from '../agent/agent.ts';
import { loadKubeConfig } from '../lib/kube.ts';
import { log } from '../lib/log.ts';
import { parseCpuset } from '../operator/placement/index.ts';

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function cpusetArg(v: string): string {
  try {
    parseCpuset(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

interface AgentFlags {
  kubeconfig?: string;
  nodeName?: string;
  sysfsRoot: string;
  cgroupRoot: string;
  procRoot: string;
  kubeletRoot: string;
  reservedCpus?: string;
  vfResourceName?: string;
  resync: number;
  dryRun?: boolean;
  enforce: boolean;
  vfChannels: boolean;
}

/** `ixctl agent`: the node agent, normally run by the chart's DaemonSet on every dataplane node. */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the node agent: publish this node\'s CPU, NUMA and SR-IOV inventory as its DataplaneNode, pin every pod\'s cgroup to the CPUs the operator gave it (a dataplane pod\'s also to its NUMA cell\'s memory), and point each dataplane\'s VF interrupts and channels at its CPUs')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: in-cluster, then KUBECONFIG, then ~/.kube/config)')
    .option('--node-name <name>', 'the Node this agent runs on; names the DataplaneNode (default: $NODE_NAME, set from spec.nodeName by the DaemonSet)')
    .option('--sysfs-root <dir>', 'where sysfs is mounted: online CPUs, topology, NUMA cells and SR-IOV devices are read below it', '/sys')
    .option('--cgroup-root <dir>', 'where the cgroup filesystem is mounted (v2 unified, or v1 with a cpuset/ hierarchy); pods\' cpuset.cpus are written below it', '/sys/fs/cgroup')
    .option('--proc-root <dir>', 'where procfs is mounted: dataplane VFs\' interrupts are pointed at their pods\' CPUs through irq/<n>/smp_affinity_list below it, other interrupts kept off dedicated CPUs, and pods\' network namespaces reached through <pid>/ns/net', '/proc')
    .option('--kubelet-root <dir>', 'the kubelet\'s root directory (its --root-dir): the dataplane pods\' seccomp profile is written to seccomp/ below it before the inventory is published, and rewritten at every resync if it changed', '/var/lib/kubelet')
    .option('--reserved-cpus <cpuset>', 'CPUs kept for the system and ordinary pods, never dedicated to a dataplane (cpuset list, e.g. "0,32")', cpusetArg)
    .option('--vf-resource-name <name>', 'extended resource the VFs are advertised under (e.g. intel.com/sriov_netdevice); the agent sets the Node\'s capacity for it to the number of VFs (needs nodes/status patch)')
    .option('--resync <seconds>', 'how often to re-read sysfs (publishing only when the inventory changed) and re-check every pod\'s cpuset', positiveSeconds, 60)
    .option('--dry-run', 'log the inventory and every cpuset write the agent would make, and write nothing (no cgroup, no API object, no event)')
    .option('--no-enforce', 'publish the inventory only and leave cgroups alone')
    .option('--no-vf-channels', 'leave dataplane VFs\' channel counts alone (no ethtool, no entering pods\' network namespaces)')
    .action(async (o: AgentFlags) => {
      const nodeName = o.nodeName ?? process.env.NODE_NAME;
      if (!nodeName) throw new Error(`no node name: pass --node-name or set NODE_NAME (this host is ${os.hostname()})`);
      const agent = new NodeAgent({
        kubeConfig: loadKubeConfig(o.kubeconfig), nodeName, sysfsRoot: o.sysfsRoot, cgroupRoot: o.cgroupRoot, procRoot: o.procRoot, kubeletRoot: o.kubeletRoot,
        reservedCpus: o.reservedCpus, vfResourceName: o.vfResourceName, resyncSeconds: o.resync, dryRun: !!o.dryRun, enforce: o.enforce, vfChannels: o.vfChannels, log,
      });
      const shutdown = (signal: string) => {
        log.info('shutting down', { signal });
        void agent.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      await agent.start();
      log.info('node agent running', { node: nodeName, dryRun: !!o.dryRun, enforce: o.enforce });
    });
}
