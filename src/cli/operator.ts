import type { Command } from 'commander';
import { loadKubeConfig } from '../lib/kube.ts';
import { log } from '../lib/log.ts';
import { Operator } from '../operator/manager.ts';
import { InvalidArgumentError } from 'commander';
import { durationMs } from '../lib/duration.ts';
import { hostPort } from './args.ts';

function duration(value: string): number {
  try {
    return durationMs(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

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
    .option('--leader-elect-lease-duration <duration>', 'how long followers wait after the Lease last changed before taking it (whole seconds)', duration, 15_000)
    .option('--leader-elect-renew-deadline <duration>', 'how long the leader tries to renew before it stops (shorter than the lease duration)', duration, 10_000)
    .option('--leader-elect-retry-period <duration>', 'how often candidates try to take or renew the Lease', duration, 2_000)
    .option('--http-address <host:port>', 'where /healthz, /readyz and /metrics listen; "off" for nowhere', '127.0.0.1:8080')
    .option('--token-key-secret <name>', 'Secret in the lease namespace holding the key the dataplanes\' control tokens are derived from (made on first start)', 'ix-operator-token-key')
    .option('--rebalance-interval <duration>', 'how often the rebalancer reads every pod\'s load and moves cores ("0s": never)', duration, 2000)
    .option('--scale-out-after <duration>', 'with spec.rebalance.autoscale: add a replica when every replica stays saturated this long (default: 3 rebalance rounds)', duration)
    .option('--scale-in-after <duration>', 'with spec.rebalance.autoscale: remove a replica when one fewer would do for this long', duration, 60_000)
    .option('--watch-namespace <ns>', 'reconcile only the Dataplanes of this namespace (pods and nodes are still read cluster-wide: CPUs are shared)')
    .action(async (o: { kubeconfig?: string; dataplaneImage: string; leaderElect: boolean; leaseNamespace: string; leaseName: string; httpAddress: string; watchNamespace?: string;
      leaderElectLeaseDuration: number; leaderElectRenewDeadline: number; leaderElectRetryPeriod: number;
      tokenKeySecret: string; rebalanceInterval: number; scaleOutAfter?: number; scaleInAfter: number; }) => {
      const operator = new Operator({
        kubeConfig: loadKubeConfig(o.kubeconfig),
        log,
        defaultImage: o.dataplaneImage,
        leaderElection: o.leaderElect,
        leaseNamespace: o.leaseNamespace,
        leaseName: o.leaseName,
        leaseTiming: { leaseDurationMs: o.leaderElectLeaseDuration, renewDeadlineMs: o.leaderElectRenewDeadline, retryPeriodMs: o.leaderElectRetryPeriod },
        watchNamespace: o.watchNamespace,
        tokenKeySecret: o.tokenKeySecret,
        rebalanceIntervalMs: o.rebalanceInterval,
        ...(o.scaleOutAfter !== undefined ? { scaleOutAfterMs: o.scaleOutAfter } : {}),
        scaleInAfterMs: o.scaleInAfter,
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
