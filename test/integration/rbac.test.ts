// The chart's RBAC is sufficient and not excessive: the operator, run with a token of the chart's own
// ServiceAccount, takes a Dataplane through its whole life (placement, VF attachment, binding,
// status, scaling, deletion); and that token is refused what the operator has no business doing.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { useHelm } from '../helpers/helm.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, getDataplane, podsOf, waitForRunningPods } from '../helpers/operator.ts';
import { KubeWrites } from '../../src/operator/kube-writes.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { httpStatusOf, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { Operator } from '../../src/operator/manager.ts';

const tc = await useTestCluster('rbac');
await installCrds(tc);
const nodes = await tc.cluster.addNodes(2, { cpus: 16, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodes);

const helmTool = useHelm(path.join(tc.binDir, 'helm'), 'rbac');
const release = `rbac-${tc.namespace.slice(-6)}`;
const fullname = `${release}-ix-operator`;
const helm = (args: string[]) => helmTool.run([...args, '--kubeconfig', tc.kubeconfigPath]);
const installed = helm(['install', release, path.join(repoRoot, 'charts', 'ix-operator'), '-n', tc.namespace, '--skip-crds', '--set', 'agent.enabled=false']);
if (installed.status !== 0) throw new Error(`helm install failed: ${installed.stderr}`);
after(() => {
  helm(['uninstall', release, '-n', tc.namespace]);
});

// A kubeconfig that authenticates as the chart's operator ServiceAccount, and nothing else.
const tokenRun = tc.kubectl(['create', 'token', fullname, '-n', tc.namespace, '--duration', '1h']);
if (tokenRun.status !== 0) throw new Error(`kubectl create token failed: ${tokenRun.stderr}`);
const admin = tc.kubeConfig.getCurrentCluster()!;
const asOperator = new k8s.KubeConfig();
asOperator.loadFromOptions({
  clusters: [{ name: 'c', server: admin.server, caFile: admin.caFile, caData: admin.caData }],
  users: [{ name: 'operator', token: tokenRun.stdout.trim() }],
  contexts: [{ name: 'as-operator', cluster: 'c', user: 'operator' }],
  currentContext: 'as-operator',
});

describe('the chart\'s operator RBAC', () => {
  it('is enough for a whole Dataplane lifecycle', async () => {
    const operator = new Operator({ kubeConfig: asOperator, log, defaultImage: 'registry.invalid/ix:rbac', leaderElection: true, leaseNamespace: tc.namespace, leaseName: fullname, watchNamespace: tc.namespace, tokenKeySecret: `${fullname}-token-key`, identity: 'rbac-test', metricsAddress: undefined });
    await operator.start();
    try {
      await createDataplane(tc, 'lifecycle', { replicas: 2, cores: { min: 2, max: 2 }, network: { resourceName: 'intel.com/sriov_netdevice' } });
      await waitForRunningPods(tc, 'lifecycle', 2);
      // What the rebalancer and the autoscaler write (they act only on live load, which kwok pods have none of).
      const asOperatorActions = new KubeWrites(asOperator);
      const [first] = await podsOf(tc, 'lifecycle');
      const cpus = first!.metadata!.annotations!['ix.dev/cpus']!;
      await asOperatorActions.setCpus(first!, cpus, cpus);
      await asOperatorActions.scale((await getDataplane(tc, 'lifecycle')), 2);
      await waitFor('status written by the operator', async () => {
        const r = tc.kubectl(['get', 'dp', 'lifecycle', '-n', tc.namespace, '-o', 'jsonpath={.status.readyReplicas}']);
        return r.stdout === '2' ? true : undefined;
      });
      assert.equal(tc.kubectl(['scale', 'dp/lifecycle', '-n', tc.namespace, '--replicas=1']).status, 0);
      await waitForRunningPods(tc, 'lifecycle', 1);
      const del = await tc.kubectlAsync(['delete', 'dp', 'lifecycle', '-n', tc.namespace, '--timeout=60s']);
      assert.equal(del.status, 0, del.stderr);
      assert.equal((await podsOf(tc, 'lifecycle')).length, 0);
      const errors = Number((await operator.metrics.registry.getSingleMetric('controller_runtime_reconcile_errors_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0);
      assert.equal(errors, 0, 'no reconcile failed (a missing permission would have)');
    } finally {
      await operator.stop();
    }
  });

  it('refuses what the operator has no business doing', async () => {
    const core = asOperator.makeApiClient(k8s.CoreV1Api);
    const rbacApi = asOperator.makeApiClient(k8s.RbacAuthorizationV1Api);
    const refused = async (what: string, call: () => Promise<unknown>) => {
      const err = await call().then(() => undefined, (e: unknown) => e);
      assert.equal(httpStatusOf(err), 403, `${what} should be forbidden`);
    };
    await refused('listing Secrets cluster-wide', () => core.listSecretForAllNamespaces());
    tc.kubectl(['create', 'secret', 'generic', 'someone-elses', '-n', tc.namespace, '--from-literal=password=hunter2']);
    await refused('reading a Secret', () => core.readNamespacedSecret({ name: 'someone-elses', namespace: tc.namespace }));
    await refused('deleting a Secret', () => core.deleteNamespacedSecret({ name: 'someone-elses', namespace: tc.namespace }));
    await refused('deleting a Node', () => core.deleteNode({ name: nodes[0]! }));
    await refused('creating a ClusterRoleBinding', () => rbacApi.createClusterRoleBinding({ body: { metadata: { name: `${release}-escalate` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: fullname, namespace: tc.namespace }] } }));
    await refused('creating a Namespace', () => core.createNamespace({ body: { metadata: { name: `${release}-ns` } } }));
    await refused('taking another Lease', () => asOperator.makeApiClient(k8s.CoordinationV1Api).replaceNamespacedLease({ name: 'kube-scheduler', namespace: 'kube-system', body: { metadata: { name: 'kube-scheduler' } } }));
  });
});
