import { Option, type Command } from 'commander';
import * as k8s from '@kubernetes/client-node';
import type { Dataplane } from '../api/dataplane.ts';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import { GROUP, LABELS, VERSION } from '../api/constants.ts';
import { apiErrorMessage, httpStatusOf, loadKubeConfig } from '../lib/kube.ts';
import { buildStatusView, type StatusInput, type StatusView } from './status-view.ts';
import { renderStatus } from './status-table.ts';

export interface StatusOptions { kubeconfig?: string; namespace?: string; output: 'table' | 'json' }

/** Reads Dataplanes, their pods and the DataplaneNodes. DataplaneNodes are cluster-scoped: a user who may not list them still gets the rest. */
export async function readStatus(kc: k8s.KubeConfig, namespace: string | undefined): Promise<StatusInput> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const labelSelector = LABELS.dataplane;
  const [dataplanes, pods, nodes] = await Promise.all([
    (namespace === undefined
      ? custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanes' })
      : custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'dataplanes' })
    ).then((l) => (l as { items: Dataplane[] }).items, (e: unknown) => {
      if (httpStatusOf(e) === 404) throw new Error(`the API server does not serve dataplanes.${GROUP}: install the CRDs (kubectl apply --server-side -f crds/)`);
      throw new Error(`cannot list Dataplanes: ${apiErrorMessage(e)}`);
    }),
    (namespace === undefined ? core.listPodForAllNamespaces({ labelSelector }) : core.listNamespacedPod({ namespace, labelSelector }))
      .then((l) => l.items, (e: unknown) => { throw new Error(`cannot list dataplane pods: ${apiErrorMessage(e)}`); }),
    custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes' })
      .then((l) => ({ items: (l as { items: DataplaneNode[] }).items }), (e: unknown) => ({ error: `cannot list DataplaneNodes, so no node table: ${apiErrorMessage(e)}` })),
  ]);
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    dataplanes, pods,
    ...('items' in nodes ? { nodes: nodes.items } : { warnings: [nodes.error] }),
  };
}

export function formatStatus(view: StatusView, output: StatusOptions['output']): string {
  return output === 'json' ? `${JSON.stringify(view, null, 2)}\n` : renderStatus(view);
}

/** `ixctl status`: what the Dataplanes hold and do, per Dataplane, pod and node. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show Dataplanes (replicas, cores, p99, conditions), their pods (node, NUMA cell, CPUs, VF) and the DataplaneNodes (dedicated, free and shared CPUs, VFs)')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('-n, --namespace <ns>', 'only this namespace, and only the nodes its pods are on (default: all namespaces and all nodes)')
    .addOption(new Option('-o, --output <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table'))
    .action(async (o: StatusOptions) => {
      const input = await readStatus(loadKubeConfig(o.kubeconfig), o.namespace);
      process.stdout.write(formatStatus(buildStatusView(input), o.output));
    });
}
