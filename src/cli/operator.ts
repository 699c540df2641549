import type { Command } from 'commander';
import { loadKubeConfig } from '../lib/kube.ts';
import { log } from '../lib/log.ts';
import { Operator } from '../operator/manager.ts';
import { hostPort } from './args.ts';

export const DEFAULT_IMAGE = 'ghcr.io/ix-operator/ix-operator:0.1.0';

/** `ixctl operator`: the control plane, normally run by the chart's Deployment. */
export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description('run the operator: reconcile Dataplanes into placed, pinned and bound pods')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: in-cluster, then KUBECONFIG, then ~/.kube/config)')
    .option('--dataplane-image <image>', 'image of dataplane pods whose Dataplane names none', DEFAULT_IMAGE)
    .option('--no-leader-elect', 'do not take a Lease before reconciling (only with one replica)')
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease', process.env.POD_NAMESPACE ?? 'ix-system')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'ix-operator')
    .option('--http-address <host:port>', 'where /healthz, /readyz and /metrics listen; "off" for nowhere', '127.0.0.1:8080')
    .option('--watch-namespace <ns>', 'reconcile only the Dataplanes of this namespace (pods and nodes are still read cluster-wide: CPUs are shared)')
    .action(async (o: { kubeconfig?: string; dataplaneImage: string; leaderElect: boolean; leaseNamespace: string; leaseName: string; httpAddress: string; watchNamespace?: string }) => {
      const operator = new Operator({
        kubeConfig: loadKubeConfig(o.kubeconfig),
        log,
        defaultImage: o.dataplaneImage,
        leaderElection: o.leaderElect,
        leaseNamespace: o.leaseNamespace,
        leaseName: o.leaseName,
        watchNamespace: o.watchNamespace,
        metricsAddress: o.httpAddress === 'off' ? undefined : hostPort(o.httpAddress),
      });
      const shutdown = (signal: string) => {
        log.info('shutting down', { signal });
        void operator.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      await operator.start();
    });
}
