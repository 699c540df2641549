// Checks of the chart and of deploy/ that need no helm: the chart's CRDs are crds/, the rendered
// manifests run the operator with its production flags, and RBAC is exactly what the code calls.
// That deploy/ is what the chart renders is checked with the built helm in test/integration/chart.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../../src/lib/paths.ts';
import { OPERATOR_NODE_FLAGS } from '../../../src/operator/node-flags.ts';
import { DEFAULT_IMAGE } from '../../../src/cli/operator.ts';

const chartDir = path.join(repoRoot, 'charts', 'ix-operator');
const deployDir = path.join(repoRoot, 'deploy');

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown }
interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }

function docsOf(file: string): K8sObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as K8sObject | null).filter((d): d is K8sObject => d !== null);
}
const deployed = fs.readdirSync(deployDir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => docsOf(path.join(deployDir, f)));
const find = (kind: string, name: string): K8sObject => {
  const o = deployed.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(o, `deploy/ has no ${kind} ${name}`);
  return o;
};
/** Rules flattened to "group/resource verb" strings, so a comparison does not depend on how rules are grouped. */
const grants = (rules: Rule[]): string[] =>
  rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g || 'core'}/${res} ${v}`)))).sort();

describe('charts/ix-operator', () => {
  it('ships exactly the CRDs of crds/ (run npm run render:deploy after npm run generate:crds)', () => {
    const src = fs.readdirSync(path.join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    const chart = fs.readdirSync(path.join(chartDir, 'crds')).sort();
    assert.deepEqual(chart, src, 'charts/ix-operator/crds/ holds the same files as crds/');
    for (const f of src) {
      assert.equal(fs.readFileSync(path.join(chartDir, 'crds', f), 'utf8'), fs.readFileSync(path.join(repoRoot, 'crds', f), 'utf8'),
        `charts/ix-operator/crds/${f} is stale: run npm run render:deploy`);
    }
  });

  it('defaults to the dataplane image the operator itself defaults to', () => {
    const values = docsOf(path.join(chartDir, 'values.yaml'))[0] as unknown as { image: { repository: string; tag: string } };
    assert.equal(`${values.image.repository}:${values.image.tag}`, DEFAULT_IMAGE);
    const chart = docsOf(path.join(chartDir, 'Chart.yaml'))[0] as unknown as { appVersion: string };
    assert.equal(chart.appVersion, values.image.tag, 'appVersion and the default image tag move together');
  });

  it('has a draft-07 values schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as { $schema: string };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  });
});

describe('deploy/', () => {
  it('holds the namespace, the CRDs of crds/, RBAC, the Deployment, the DaemonSet and the metrics Service', () => {
    assert.deepEqual(find('Namespace', 'ix-system').metadata, {
      name: 'ix-system', labels: { 'app.kubernetes.io/part-of': 'ix-operator', 'pod-security.kubernetes.io/enforce': 'privileged' },
    });
    const crds = fs.readdirSync(path.join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).map((f) => docsOf(path.join(repoRoot, 'crds', f))[0]);
    for (const crd of crds) assert.deepEqual(find('CustomResourceDefinition', crd!.metadata.name), crd);
    for (const [kind, name] of [
      ['ServiceAccount', 'ix-operator'], ['ServiceAccount', 'ix-operator-agent'],
      ['ClusterRole', 'ix-operator'], ['ClusterRoleBinding', 'ix-operator'],
      ['ClusterRole', 'ix-operator-agent'], ['ClusterRoleBinding', 'ix-operator-agent'],
      ['Role', 'ix-operator-leader-election'], ['RoleBinding', 'ix-operator-leader-election'],
      ['Deployment', 'ix-operator'], ['DaemonSet', 'ix-operator-agent'], ['Service', 'ix-operator-metrics'],
    ] as const) find(kind, name);
  });

  it('runs the operator with the production node flags of src/operator/node-flags.ts', () => {
    const dep = find('Deployment', 'ix-operator') as unknown as { spec: { replicas: number; template: { spec: { containers: { command: string[]; args: string[] }[] } } } };
    assert.equal(dep.spec.replicas, 2);
    const c = dep.spec.template.spec.containers[0]!;
    assert.deepEqual(c.command, ['node', ...OPERATOR_NODE_FLAGS, 'dist/ixctl.mjs', 'operator']);
    assert.deepEqual(c.args, [`--dataplane-image=${DEFAULT_IMAGE}`, '--lease-namespace=ix-system', '--lease-name=ix-operator', '--http-address=0.0.0.0:8080', '--token-key-secret=ix-operator-token-key']);
  });

  it('grants the operator exactly the API calls it makes', () => {
    const role = find('ClusterRole', 'ix-operator') as unknown as { rules: Rule[] };
    assert.deepEqual(grants(role.rules), [
      ...['get', 'list', 'watch', 'create', 'delete', 'patch'].map((v) => `core/pods ${v}`),
      'core/pods/binding create', 'core/pods/status patch', 'core/pods/resize patch',
      'core/events create', 'core/events patch',
      'core/secrets create',
      'core/nodes get', 'core/nodes list', 'core/nodes watch',
      ...['list', 'watch', 'create', 'patch'].flatMap((v) => [`core/services ${v}`, `policy/poddisruptionbudgets ${v}`]),
      'ix.dev/dataplanes get', 'ix.dev/dataplanes list', 'ix.dev/dataplanes watch', 'ix.dev/dataplanes patch',
      'ix.dev/dataplanes/status patch', 'ix.dev/dataplanes/finalizers update', 'ix.dev/dataplanes/scale patch',
      'ix.dev/dataplanenodes get', 'ix.dev/dataplanenodes list', 'ix.dev/dataplanenodes watch', 'ix.dev/dataplanenodes/status patch',
      'k8s.cni.cncf.io/network-attachment-definitions get', 'k8s.cni.cncf.io/network-attachment-definitions create', 'k8s.cni.cncf.io/network-attachment-definitions patch',
    ].sort());
    const lease = find('Role', 'ix-operator-leader-election') as unknown as { rules: Rule[] };
    assert.deepEqual(lease.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['ix-operator'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['ix-operator-token-key'], verbs: ['get'] },
    ]);
  });

  it('grants the node agent exactly the API calls it makes', () => {
    const role = find('ClusterRole', 'ix-operator-agent') as unknown as { rules: Rule[] };
    assert.deepEqual(grants(role.rules), [
      'core/pods list', 'core/pods watch', 'core/events create', 'core/events patch',
      'ix.dev/dataplanenodes get', 'ix.dev/dataplanenodes create', 'ix.dev/dataplanenodes patch', 'ix.dev/dataplanenodes/status patch',
      'core/nodes get', 'core/nodes/status patch',
    ].sort());
  });

  it('runs the agent as root, unprivileged, with /sys read-only, the cgroup tree, /proc and the kubelet\'s seccomp directory writable, and the capabilities setting VF channels needs', () => {
    type Ds = { spec: { template: { spec: { hostPID?: boolean; tolerations: unknown[]; volumes: { name: string; hostPath?: { path: string; type: string } }[]; containers: { securityContext: Record<string, unknown>; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; args: string[] }[] } } } };
    const spec = (find('DaemonSet', 'ix-operator-agent') as unknown as Ds).spec.template.spec;
    const c = spec.containers[0]!;
    assert.equal(c.securityContext.privileged, false);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    // agent.vfChannels (ADR 0013): ethtool in a pod's network namespace, found through the host's PIDs.
    assert.deepEqual(c.securityContext.capabilities, { add: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE'], drop: ['ALL'] });
    assert.equal(spec.hostPID, true);
    assert.deepEqual(c.volumeMounts, [
      { name: 'sys', mountPath: '/host/sys', readOnly: true },
      { name: 'cgroup', mountPath: '/host/sys/fs/cgroup' },
      { name: 'proc', mountPath: '/host/proc' },
      // The dataplane pods' seccomp profile (ADR 0020): only this directory of the kubelet's.
      { name: 'kubelet-seccomp', mountPath: '/host/kubelet/seccomp' },
    ]);
    assert.deepEqual(spec.volumes.find((v) => v.name === 'kubelet-seccomp')?.hostPath, { path: '/var/lib/kubelet/seccomp', type: 'DirectoryOrCreate' });
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.deepEqual(c.args.slice(0, 5), ['--node-name=$(NODE_NAME)', '--sysfs-root=/host/sys', '--cgroup-root=/host/sys/fs/cgroup', '--proc-root=/host/proc', '--kubelet-root=/host/kubelet']);
  });
});
