import { Option, type Command } from 'commander';
import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../api/dataplane.ts';
import { GROUP, VERSION } from '../api/constants.ts';
import { apiErrorMessage, httpStatusOf, loadKubeConfig } from '../lib/kube.ts';
import { ENDPOINT_FORMATS, ENDPOINT_HOSTS, endpointsOf, formatEndpoints, type EndpointFormat, type EndpointHosts } from './endpoints-format.ts';

interface EndpointsOptions { kubeconfig?: string; namespace?: string; output: EndpointFormat; hosts: EndpointHosts }

/** `ixctl endpoints NAME`: the ready replicas of a Dataplane as a memcached client or mcrouter takes them. */
export function registerEndpoints(program: Command): void {
  program
    .command('endpoints')
    .argument('<name>', 'the Dataplane')
    .description('print the ready replicas of a Dataplane in ordinal order, as a host:port list or an mcrouter pool (from its status)')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('-n, --namespace <ns>', 'namespace of the Dataplane (default: the kubeconfig context\'s, else default)')
    .addOption(new Option('-o, --output <format>', 'list: host:port,host:port (libmemcached --servers, gomemcache, pymemcache); lines: one per line; mcrouter: a pool config; json').choices(ENDPOINT_FORMATS).default('list'))
    .addOption(new Option('--hosts <kind>', 'auto: status.servers (the VF address with SR-IOV, else the stable DNS name); ip: pod IPs').choices(ENDPOINT_HOSTS).default('auto'))
    .action(async (name: string, o: EndpointsOptions) => {
      const kc = loadKubeConfig(o.kubeconfig);
      const namespace = o.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      const dp = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'dataplanes', name }).then((d) => d as Dataplane, (e: unknown) => {
        if (httpStatusOf(e) === 404) throw new Error(`no Dataplane ${name} in namespace ${namespace} (or the API server does not serve dataplanes.${GROUP})`);
        throw new Error(`cannot read Dataplane ${namespace}/${name}: ${apiErrorMessage(e)}`);
      });
      const servers = endpointsOf(dp, o.hosts);
      process.stdout.write(formatEndpoints(dp, servers, o.output));
      if (servers.length === 0) process.stderr.write(`ixctl: Dataplane ${namespace}/${name} has no ready replica (${dp.status?.replicas ?? 0} of ${dp.spec.replicas} exist)\n`);
    });
}
