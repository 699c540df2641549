// The CRDs generated from src/api, served by a real kube-apiserver: defaults are filled in, and bad
// Dataplanes and DataplaneNodes are refused with messages a person understands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';

const tc = await useTestCluster('api');
await installCrds(tc);

const ns = tc.namespace;
const dp = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  YAML.stringify({ apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', metadata: { name, namespace: ns, ...extra }, spec });
const apply = (doc: string) => tc.kubectl(['apply', '--server-side', '--field-manager', 'test', '-f', '-'], doc);
const create = (doc: string) => tc.kubectl(['create', '-f', '-'], doc);

describe('Dataplane validation', () => {
  it('accepts a minimal Dataplane and fills in the defaults', () => {
    const r = create(dp('minimal', { cores: { max: 4 } }));
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(tc.kubectl(['get', 'dp', 'minimal', '-n', ns, '-o', 'json']).stdout) as { spec: Record<string, unknown> };
    assert.deepEqual(got.spec, {
      replicas: 1, cores: { min: 1, max: 4 }, batchSize: 64, memory: '64Mi', maxItemSize: '1Mi', port: 11211, controlPort: 9121,
      slo: { p99: '500us' }, placement: { wholeCores: true },
      rebalance: { addQueueLength: 32, removeQueueLength: 8, removeIdleFraction: 0.5, addCooldown: '100ms', removeCooldown: '2s' },
      disruptionBudget: { maxUnavailable: 1 },
    });
  });

  const bad: { what: string; spec: Record<string, unknown>; name?: string; message: RegExp }[] = [
    { what: 'no spec.cores', spec: {}, message: /spec\.cores: Required value/ },
    { what: 'no cores.max', spec: { cores: { min: 2 } }, message: /spec\.cores\.max: Required value/ },
    { what: 'min above max', spec: { cores: { min: 8, max: 4 } }, message: /cores\.min must not be greater than cores\.max/ },
    { what: 'zero cores', spec: { cores: { min: 0, max: 4 } }, message: /spec\.cores\.min: Invalid value: 0: spec\.cores\.min in body should be greater than or equal to 1/ },
    { what: 'negative replicas', spec: { cores: { max: 1 }, replicas: -1 }, message: /spec\.replicas in body should be greater than or equal to 0/ },
    { what: 'replicas as a string', spec: { cores: { max: 1 }, replicas: 'three' }, message: /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer/ },
    { what: 'batch size above 1024', spec: { cores: { max: 1 }, batchSize: 5000 }, message: /spec\.batchSize in body should be less than or equal to 1024/ },
    { what: 'memory not a quantity', spec: { cores: { max: 1 }, memory: 'lots' }, message: /spec\.memory: Invalid value: "lots": must be a quantity such as 512Mi or 2Gi/ },
    { what: 'memory too small', spec: { cores: { max: 1 }, memory: '512Ki' }, message: /spec\.memory: Invalid value: "512Ki": must be at least 1Mi/ },
    { what: 'port out of range', spec: { cores: { max: 1 }, port: 70000 }, message: /spec\.port in body should be less than or equal to 65535/ },
    { what: 'port equal to the control port', spec: { cores: { max: 1 }, port: 9121 }, message: /port and controlPort must differ/ },
    { what: 'SLO not a duration', spec: { cores: { max: 1 }, slo: { p99: 'fast' } }, message: /spec\.slo\.p99: Invalid value: "fast": must be a duration such as 500us, 10ms or 2s/ },
    { what: 'SLO above 10s', spec: { cores: { max: 1 }, slo: { p99: '1m' } }, message: /spec\.slo\.p99: Invalid value: "1m": must be at most 10s/ },
    { what: 'unknown NUMA policy', spec: { cores: { max: 1 }, network: { resourceName: 'intel.com/sriov', numaPolicy: 'anywhere' } }, message: /spec\.network\.numaPolicy: Unsupported value: "anywhere": supported values: "single-numa", "prefer-single-numa"/ },
    { what: 'resource name without a domain', spec: { cores: { max: 1 }, network: { resourceName: 'sriov' } }, message: /spec\.network\.resourceName in body should match/ },
    { what: 'thresholds that would flap', spec: { cores: { max: 1 }, rebalance: { addQueueLength: 8, removeQueueLength: 8 } }, message: /rebalance\.removeQueueLength must be below rebalance\.addQueueLength, or cores would flap/ },
    { what: 'autoscale bounds reversed', spec: { cores: { max: 1 }, rebalance: { autoscale: { enabled: true, minReplicas: 5, maxReplicas: 2 } } }, message: /autoscale\.minReplicas must not be greater than autoscale\.maxReplicas/ },
    { what: 'replicas outside autoscale bounds', spec: { cores: { max: 1 }, replicas: 20, rebalance: { autoscale: { enabled: true, minReplicas: 1, maxReplicas: 4 } } }, message: /replicas must lie within rebalance\.autoscale\.minReplicas\.\.maxReplicas when autoscale is enabled/ },
    { what: 'toleration with Exists and a value', spec: { cores: { max: 1 }, placement: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } }, message: /a toleration with operator Exists must not have a value/ },
    { what: 'toleration with an unknown effect', spec: { cores: { max: 1 }, placement: { tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'Sometimes' }] } }, message: /Unsupported value: "Sometimes"/ },
    { what: 'a name too long for its pods', name: 'a'.repeat(53), spec: { cores: { max: 1 } }, message: /metadata\.name must be at most 52 characters/ },
    { what: 'a name that cannot name a Service', name: '1cache', spec: { cores: { max: 1 } }, message: /metadata\.name must be a DNS label starting with a letter/ },
    { what: 'a disruption budget of 0', spec: { cores: { max: 1 }, disruptionBudget: { maxUnavailable: 0 } }, message: /spec\.disruptionBudget\.maxUnavailable in body should be greater than or equal to 1/ },
    { what: 'an image with spaces', spec: { cores: { max: 1 }, image: 'my image' }, message: /spec\.image in body should match/ },
  ];

  for (const [i, b] of bad.entries()) {
    it(`refuses ${b.what}`, () => {
      const r = create(dp(b.name ?? `bad-${i}`, b.spec));
      assert.notEqual(r.status, 0, `accepted: ${JSON.stringify(b.spec)}`);
      assert.match(r.stderr, /is invalid/);
      assert.match(r.stderr, b.message);
    });
  }

  it('refuses unknown fields (strict field validation) with the field named', () => {
    const r = create(dp('typo', { cores: { max: 1 }, replica: 3 }));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown field "spec\.replica"/);
  });

  it('keeps spec.network immutable but lets other fields change', () => {
    assert.equal(apply(dp('net', { cores: { max: 2 }, network: { resourceName: 'intel.com/sriov_a' } })).status, 0);
    const changed = apply(dp('net', { cores: { max: 2 }, network: { resourceName: 'intel.com/sriov_b' } }));
    assert.notEqual(changed.status, 0);
    assert.match(changed.stderr, /spec\.network is immutable: create a new Dataplane to use another network/);
    const removed = apply(dp('net', { cores: { max: 2 } }));
    assert.match(removed.stderr, /spec\.network is immutable/);
    const ok = apply(dp('net', { cores: { max: 6 }, network: { resourceName: 'intel.com/sriov_a' } }));
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('serves the scale subresource with the label selector the status publishes', () => {
    assert.equal(create(dp('scaled', { cores: { max: 1 } })).status, 0);
    const r = tc.kubectl(['scale', 'dp/scaled', '-n', ns, '--replicas=3']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tc.kubectl(['get', 'dp', 'scaled', '-n', ns, '-o', 'jsonpath={.spec.replicas}']).stdout, '3');
    const scale = JSON.parse(tc.kubectl(['get', '--raw', `/apis/ix.dev/v1alpha1/namespaces/${ns}/dataplanes/scaled/scale`]).stdout) as { kind: string; spec: { replicas: number } };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 3);
  });

  it('shows the printer columns in kubectl get', () => {
    const r = tc.kubectl(['get', 'dp', '-n', ns]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0] ?? '', /^NAME\s+REPLICAS\s+READY\s+CORES-ACTIVE\s+CORES-ALLOCATED\s+P99\s+STATUS\s+AGE$/);
  });
});

describe('DataplaneNode validation', () => {
  const dpn = (name: string, spec: Record<string, unknown>) => YAML.stringify({ apiVersion: 'ix.dev/v1alpha1', kind: 'DataplaneNode', metadata: { name }, spec });
  const cpus = [{ id: 0, core: 0, socket: 0, numa: 0 }, { id: 1, core: 0, socket: 0, numa: 0 }];

  it('accepts an inventory', () => {
    const r = create(dpn(`${ns}-ok`, { cpus, numaCells: [{ id: 0, cpus: '0-1' }], vfs: [{ pciAddress: '0000:3b:02.0', pf: 'ens1f0', numa: 0 }] }));
    assert.equal(r.status, 0, r.stderr);
    tc.kubectl(['delete', 'dpn', `${ns}-ok`]);
  });

  const badNodes: { what: string; spec: Record<string, unknown>; message: RegExp }[] = [
    { what: 'a CPU listed twice', spec: { cpus: [...cpus, { id: 1, core: 1, socket: 0, numa: 0 }] }, message: /spec\.cpus\[2\]: Duplicate value: \{"id":1\}/ },
    { what: 'a malformed PCI address', spec: { cpus, vfs: [{ pciAddress: '3b:02.0', pf: 'ens1f0', numa: 0 }] }, message: /spec\.vfs\[0\]\.pciAddress in body should match/ },
    { what: 'a VF on an unknown NUMA cell', spec: { cpus, numaCells: [{ id: 0, cpus: '0-1' }], vfs: [{ pciAddress: '0000:3b:02.0', pf: 'ens1f0', numa: 1 }] }, message: /every VF must be on a NUMA cell listed in numaCells/ },
    { what: 'a malformed cpuset', spec: { cpus, reservedCpus: '0-1,,3' }, message: /spec\.reservedCpus in body should match/ },
  ];
  for (const [i, b] of badNodes.entries()) {
    it(`refuses ${b.what}`, () => {
      const r = create(dpn(`${ns}-bad-${i}`, b.spec));
      assert.notEqual(r.status, 0, `accepted: ${JSON.stringify(b.spec)}`);
      assert.match(r.stderr, b.message);
    });
  }
});
