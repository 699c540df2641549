// Admission: the CRDs generated from src/api, served by a real kube-apiserver. Defaults are filled
// in; every field is checked as Kubernetes checks its kind (label keys and values, resource names,
// quantities, tolerations as a pod's), every combination the dataplane (or memcached, whose flags it
// takes) would refuse at start is refused, and each bad Dataplane or DataplaneNode is refused with
// a message a person understands.
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
      disruptionBudget: { maxUnavailable: 1, doNotDisrupt: 'Never' },
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
    { what: 'resource name without a domain', spec: { cores: { max: 1 }, network: { resourceName: 'sriov' } }, message: /spec\.network\.resourceName: Invalid value: "sriov": must be an extended resource name such as intel\.com\/sriov_netdevice/ },
    { what: 'a built-in resource as the VF resource', spec: { cores: { max: 1 }, network: { resourceName: 'kubernetes.io/sriov' } }, message: /spec\.network\.resourceName: Invalid value: "kubernetes\.io\/sriov": must not be in the kubernetes\.io domain/ },
    { what: 'a resource name with the quota prefix', spec: { cores: { max: 1 }, network: { resourceName: 'requests.intel.com/sriov' } }, message: /must not start with "requests\.": Kubernetes keeps that prefix for resource quotas/ },
    { what: 'a resource name longer than 63 after the domain', spec: { cores: { max: 1 }, network: { resourceName: `intel.com/${'v'.repeat(64)}` } }, message: /spec\.network\.resourceName: Invalid value: "intel\.com\/v{64}": must be an extended resource name/ },
    { what: 'allowed PFs without a VF resource', spec: { cores: { max: 1 }, network: { allowedPfs: ['ens1f0'] } }, message: /network\.allowedPfs needs network\.resourceName/ },
    { what: 'a PF name the kernel cannot have', spec: { cores: { max: 1 }, network: { resourceName: 'intel.com/sriov', allowedPfs: ['ens1/f0'] } }, message: /spec\.network\.allowedPfs\[0\]: Invalid value: "ens1\/f0": must be a network interface name/ },
    { what: 'a PF name longer than 15 characters', spec: { cores: { max: 1 }, network: { resourceName: 'intel.com/sriov', allowedPfs: ['enp175s0f0np0xyz'] } }, message: /spec\.network\.allowedPfs\[0\]: Too long: may not be more than 15 bytes/ },
    { what: 'a nodeSelector key that is not a label key', spec: { cores: { max: 1 }, placement: { nodeSelector: { 'disk type': 'ssd' } } }, message: /spec\.placement\.nodeSelector: Invalid value: key disk type is not a label key/ },
    { what: 'a nodeSelector key with two slashes', spec: { cores: { max: 1 }, placement: { nodeSelector: { 'ix.dev/pool/a': 'x' } } }, message: /key ix\.dev\/pool\/a is not a label key/ },
    { what: 'a nodeSelector key whose name is longer than 63', spec: { cores: { max: 1 }, placement: { nodeSelector: { [`ix.dev/${'n'.repeat(64)}`]: 'x' } } }, message: /is not a label key: it must be an optional DNS subdomain prefix/ },
    { what: 'a nodeSelector key with an upper-case prefix', spec: { cores: { max: 1 }, placement: { nodeSelector: { 'IX.dev/pool': 'x' } } }, message: /key IX\.dev\/pool is not a label key/ },
    { what: 'a nodeSelector value that is not a label value', spec: { cores: { max: 1 }, placement: { nodeSelector: { 'ix.dev/pool': 'a b' } } }, message: /the value of ix\.dev\/pool is not a label value: it must be at most 63 characters/ },
    { what: 'a nodeSelector value longer than 63', spec: { cores: { max: 1 }, placement: { nodeSelector: { 'ix.dev/pool': 'v'.repeat(64) } } }, message: /spec\.placement\.nodeSelector\.ix\.dev\/pool: Too long: may not be more than 63 bytes/ },
    { what: 'a toleration key that is not a label key', spec: { cores: { max: 1 }, placement: { tolerations: [{ key: 'bad key', operator: 'Exists' }] } }, message: /spec\.placement\.tolerations\[0\]\.key: Invalid value: "bad key": must be a label key/ },
    { what: 'a toleration value that is not a label value', spec: { cores: { max: 1 }, placement: { tolerations: [{ key: 'k', operator: 'Equal', value: 'not/valid' }] } }, message: /spec\.placement\.tolerations\[0\]\.value: Invalid value: "not\/valid": must be a label value/ },
    { what: 'tolerationSeconds without NoExecute', spec: { cores: { max: 1 }, placement: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } }, message: /tolerationSeconds needs effect NoExecute/ },
    { what: 'an item size above half of memory (memcached refuses -I above -m/2)', spec: { cores: { max: 1 }, memory: '8Mi', maxItemSize: '5Mi' }, message: /maxItemSize must be at most half of memory, as memcached refuses -I above half of -m/ },
    { what: 'the default item size with too little memory for it', spec: { cores: { max: 1 }, memory: '1Mi' }, message: /maxItemSize must be at most half of memory/ },
    { what: 'an item size above 64Mi', spec: { cores: { max: 1 }, memory: '1Gi', maxItemSize: '65Mi' }, message: /spec\.maxItemSize: Invalid value: "65Mi": must be at most 64Mi/ },
    { what: 'an item size below 1Ki (memcached: at least 1024 bytes)', spec: { cores: { max: 1 }, maxItemSize: '1000' }, message: /spec\.maxItemSize: Invalid value: "1000": must be at least 1Ki/ },
    { what: 'memory as a negative quantity', spec: { cores: { max: 1 }, memory: '-64Mi' }, message: /spec\.memory: Invalid value: "-64Mi": must be at least 1Mi/ },
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

  it('accepts what Kubernetes accepts: qualified label keys, empty label values, quantities in every notation, an item size of exactly half the memory', () => {
    const r = create(dp('lawful', {
      cores: { max: 1 }, memory: '0.125Gi', maxItemSize: '64e6',
      network: { resourceName: 'example.com/sriov_vf-a.1', allowedPfs: ['enp175s0f0np0'] },
      placement: {
        nodeSelector: { 'kubernetes.io/hostname': 'node-1', 'topology.kubernetes.io/zone': '', 'plain_Key.1': 'A-b_c.9' },
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { operator: 'Exists' }],
      },
    }));
    assert.equal(r.status, 0, r.stderr);
    const half = create(dp('half', { cores: { max: 1 }, memory: '2Mi', maxItemSize: '1Mi' }));
    assert.equal(half.status, 0, half.stderr);
  });

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
    { what: 'a PF name the kernel cannot have', spec: { cpus, vfs: [{ pciAddress: '0000:3b:02.0', pf: 'ens 1', numa: 0 }] }, message: /spec\.vfs\[0\]\.pf: Invalid value: "ens 1": must be a network interface name/ },
    { what: 'a VF resource name without a domain', spec: { cpus, vfResourceName: 'sriov' }, message: /spec\.vfResourceName: Invalid value: "sriov": must be an extended resource name/ },
  ];
  for (const [i, b] of badNodes.entries()) {
    it(`refuses ${b.what}`, () => {
      const r = create(dpn(`${ns}-bad-${i}`, b.spec));
      assert.notEqual(r.status, 0, `accepted: ${JSON.stringify(b.spec)}`);
      assert.match(r.stderr, b.message);
    });
  }
});
