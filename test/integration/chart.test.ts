// The install path against a real control plane, with the helm and kubectl that
// scripts/build-k8s-binaries.sh builds: the chart lints, renders into objects the API server accepts,
// installs, upgrades and uninstalls (keeping the CRDs), refuses bad values through its schema, grants
// no wildcard RBAC; deploy/ is what the chart renders, and `kubectl apply -f deploy/` installs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { useTestCluster } from '../helpers/cluster.ts';
import { useHelm } from '../helpers/helm.ts';
import { CHART_DIR, DEPLOY_DIR, DEPLOY_NAMESPACE, deployFilesOnDisk, renderDeploy } from '../../scripts/render-deploy.ts';

const tc = await useTestCluster('chart');
await tc.cluster.installCrds();

const helm = useHelm(path.join(tc.binDir, 'helm'), 'chart');
const helmOk = helm.ok;
const release = `ixc-${tc.namespace.slice(-6)}`;
const fullname = `${release}-ix-operator`;

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } ; [k: string]: unknown }

function kubectlOk(args: string[], input?: string): string {
  const r = tc.kubectl(args, input);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
const objects = (yamlText: string): K8sObject[] =>
  parseAllDocuments(yamlText).map((d) => d.toJS() as K8sObject | null).filter((d): d is K8sObject => d !== null);
const inRelease = ['--kubeconfig', tc.kubeconfigPath, '--namespace', tc.namespace];

after(() => {
  // A failed test must not leave cluster-scoped RBAC of this release in the shared cluster.
  helm.run(['uninstall', release, ...inRelease, '--ignore-not-found']);
});

describe('charts/ix-operator', () => {
  it('finds the built helm', () => {
    assert.ok(fs.existsSync(helm.bin), `helm is missing at ${helm.bin}: run bash scripts/build-k8s-binaries.sh`);
    assert.match(helmOk(['version', '--short']), /^v3\.19\./);
  });

  it('passes helm lint, also with --strict and with the optional parts switched', () => {
    helmOk(['lint', CHART_DIR]);
    helmOk(['lint', '--strict', CHART_DIR]);
    helmOk(['lint', '--strict', CHART_DIR, '--set', 'agent.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true',
      '--set-string', 'agent.reservedCpus=0\\,32', '--set', 'agent.vfResourceName=intel.com/sriov_netdevice', '--set', 'imagePullSecrets[0].name=pull']);
  });

  it('renders objects the API server accepts (server-side dry run)', () => {
    const rendered = helmOk(['template', release, CHART_DIR, '--namespace', tc.namespace]);
    const out = kubectlOk(['apply', '--dry-run=server', '-f', '-'], rendered);
    for (const line of [`deployment.apps/${fullname} created (server dry run)`, `daemonset.apps/${fullname}-agent created (server dry run)`,
      `clusterrole.rbac.authorization.k8s.io/${fullname} created (server dry run)`, `service/${fullname}-metrics created (server dry run)`]) {
      assert.ok(out.includes(line), `missing "${line}" in:\n${out}`);
    }
  });

  it('renders the agent flags and the ServiceMonitor from values', () => {
    const objs = objects(helmOk(['template', release, CHART_DIR, '--namespace', tc.namespace,
      '--set-string', 'agent.reservedCpus=0\\,32', '--set', 'agent.vfResourceName=intel.com/sriov_netdevice',
      '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'dataplaneImage=registry.example/dp:1']));
    const ds = objs.find((o) => o.kind === 'DaemonSet') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    assert.deepEqual(ds.spec.template.spec.containers[0]!.args.slice(-2), ['--reserved-cpus=0,32', '--vf-resource-name=intel.com/sriov_netdevice']);
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    assert.equal(dep.spec.template.spec.containers[0]!.args[0], '--dataplane-image=registry.example/dp:1');
    assert.ok(objs.some((o) => o.kind === 'ServiceMonitor' && o.apiVersion === 'monitoring.coreos.com/v1'));
    const noAgent = objects(helmOk(['template', release, CHART_DIR, '--namespace', tc.namespace, '--set', 'agent.enabled=false']));
    assert.deepEqual(noAgent.filter((o) => o.metadata.name.endsWith('-agent')), [], 'agent.enabled=false renders no agent object');
  });

  it('grants no wildcard verb, resource or API group', () => {
    const roles = objects(helmOk(['template', release, CHART_DIR, '--namespace', tc.namespace]))
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as unknown as { metadata: { name: string }; rules: Record<string, string[]>[] }[];
    assert.equal(roles.length, 3);
    for (const role of roles) {
      for (const rule of role.rules) {
        for (const field of ['verbs', 'resources', 'apiGroups']) {
          assert.ok(rule[field]?.length, `${role.metadata.name}: a rule without ${field}`);
          assert.ok(!rule[field]!.some((v) => v.includes('*')), `${role.metadata.name}: wildcard in ${field}: ${JSON.stringify(rule)}`);
        }
        assert.equal(rule.nonResourceURLs, undefined, `${role.metadata.name} grants non-resource URLs`);
      }
    }
  });

  it('refuses bad values with a message naming the value and the rule', () => {
    const cases: [string[], RegExp][] = [
      [['--set', 'operator.replicas=0'], /at '\/operator\/replicas': minimum: got 0, want 1/],
      [['--set', 'operator.replicas=1.5'], /at '\/operator\/replicas'.*(integer|number)/],
      [['--set', 'image.tag='], /at '\/image\/tag': minLength: got 0, want 1/],
      [['--set-string', 'agent.reservedCpus=0-'], /at '\/agent\/reservedCpus': '0-' does not match pattern/],
      [['--set', 'agent.vfResourceName=sriov'], /at '\/agent\/vfResourceName': 'sriov' does not match pattern/],
      [['--set', 'operator.replica=3'], /additional properties 'replica' not allowed/],
    ];
    for (const [set, message] of cases) {
      const r = helm.run(['template', release, CHART_DIR, ...set]);
      assert.notEqual(r.status, 0, `${set.join(' ')} was accepted`);
      assert.match(r.stderr, /values don't meet the specifications of the schema/, r.stderr);
      assert.match(r.stderr, message);
    }
    // install validates the same way, before touching the cluster.
    const r = helm.run(['install', release, CHART_DIR, ...inRelease, '--set', 'operator.replicas=0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /at '\/operator\/replicas': minimum: got 0, want 1/);
  });

  it('installs, upgrades with a changed value, and uninstalls keeping the CRDs', () => {
    const out = helmOk(['install', release, CHART_DIR, ...inRelease]);
    assert.match(out, /STATUS: deployed/);
    assert.match(out, new RegExp(`Deployment ${fullname}: 2 operator replica\\(s\\)`), 'NOTES.txt says what was installed');
    const get = (kind: string, name: string, ns = true) =>
      JSON.parse(kubectlOk(['get', kind, name, '-o', 'json', ...(ns ? ['-n', tc.namespace] : [])])) as { spec: Record<string, unknown> };
    assert.equal(get('deployment', fullname).spec.replicas, 2);
    get('daemonset', `${fullname}-agent`);
    get('serviceaccount', fullname);
    get('serviceaccount', `${fullname}-agent`);
    get('service', `${fullname}-metrics`);
    get('role', `${fullname}-leader-election`);
    get('rolebinding', `${fullname}-leader-election`);
    get('clusterrole', fullname, false);
    get('clusterrolebinding', fullname, false);
    get('clusterrole', `${fullname}-agent`, false);
    get('clusterrolebinding', `${fullname}-agent`, false);
    const subjects = (get('clusterrolebinding', fullname, false) as unknown as { subjects: unknown[] }).subjects;
    assert.deepEqual(subjects, [{ kind: 'ServiceAccount', name: fullname, namespace: tc.namespace }]);

    helmOk(['upgrade', release, CHART_DIR, ...inRelease, '--reuse-values', '--set', 'operator.replicas=3']);
    assert.equal(get('deployment', fullname).spec.replicas, 3);
    assert.match(helmOk(['status', release, ...inRelease]), /REVISION: 2/);

    helmOk(['uninstall', release, ...inRelease, '--wait']);
    for (const [kind, name, ns] of [['deployment', fullname, true], ['daemonset', `${fullname}-agent`, true], ['clusterrole', fullname, false]] as const) {
      const r = tc.kubectl(['get', kind, name, ...(ns ? ['-n', tc.namespace] : [])]);
      assert.notEqual(r.status, 0, `${kind} ${name} survived helm uninstall`);
      assert.match(r.stderr, /NotFound/);
    }
    for (const crd of ['dataplanes.ix.dev', 'dataplanenodes.ix.dev']) kubectlOk(['get', 'crd', crd]);
  });
});

describe('deploy/', () => {
  it('is what the chart renders (run npm run render:deploy)', () => {
    const want = renderDeploy(helm.bin);
    const have = deployFilesOnDisk();
    assert.deepEqual([...have.keys()], [...want.keys()], 'deploy/ holds exactly the rendered files');
    for (const [f, text] of want) assert.equal(have.get(f), text, `deploy/${f} is stale: run npm run render:deploy`);
  });

  it('installs with kubectl apply -f deploy/', async () => {
    // The manifests name their namespace; it must not belong to anything else in the shared cluster.
    const before = tc.kubectl(['get', 'namespace', DEPLOY_NAMESPACE]);
    assert.notEqual(before.status, 0, `namespace ${DEPLOY_NAMESPACE} already exists in the test cluster`);
    const operatorFile = path.join(DEPLOY_DIR, '02-ix-operator.yaml');
    after(async () => {
      // Never `kubectl delete -f deploy/`: that would delete the CRDs other test files use.
      await tc.kubectlAsync(['delete', '--ignore-not-found', '--wait=false', '-f', operatorFile]);
      await tc.kubectlAsync(['delete', 'namespace', DEPLOY_NAMESPACE, '--ignore-not-found', '--wait=false']);
    });
    const out = kubectlOk(['apply', '-f', DEPLOY_DIR]);
    for (const line of [`namespace/${DEPLOY_NAMESPACE} created`, 'customresourcedefinition.apiextensions.k8s.io/dataplanes.ix.dev',
      'deployment.apps/ix-operator created', 'daemonset.apps/ix-operator-agent created', 'service/ix-operator-metrics created',
      'clusterrole.rbac.authorization.k8s.io/ix-operator created', 'role.rbac.authorization.k8s.io/ix-operator-leader-election created']) {
      assert.ok(out.includes(line), `missing "${line}" in:\n${out}`);
    }
    assert.ok(!out.includes('samples'), 'deploy/samples is not applied by kubectl apply -f deploy/');
    // The samples are valid Dataplanes (server-side dry run in this file's namespace).
    kubectlOk(['apply', '--dry-run=server', '-n', tc.namespace, '-f', path.join(DEPLOY_DIR, 'samples')]);
  });
});
