// Stable replica identities, the headless Service, the PodDisruptionBudget and the published
// addresses, on the real control plane with kwok nodes (ADR 0012): replicas are <name>-<i> through
// replacement, scale-out, scale-in and a rolling update; `kubectl get svc,pdb` shows the Dataplane's
// own, owned by it; the VF address comes from a network-status annotation written as Multus would;
// `ixctl endpoints` prints the ready replicas. (EndpointSlices, which cluster DNS answers
// <pod>.<name>.<namespace>.svc from, refuse the sim's 127/8 pod IPs: the hostname and subdomain the
// DNS records come from are checked on the pods instead.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, getDataplane, podsOf, startOperator, stopOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { buildPod } from '../../src/operator/dataplane/pod-builder.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { repoRoot } from '../../src/lib/paths.ts';

const tc = await useTestCluster('ident');
await installCrds(tc);
const nodeNames = await tc.cluster.addNodes(3, { cpus: 16, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodeNames);
let operator = await startOperator(tc);
after(stopOperators);

const ns = tc.namespace;
const policy = tc.kubeConfig.makeApiClient(k8s.PolicyV1Api);
const names = (pods: k8s.V1Pod[]) => pods.map((p) => p.metadata!.name!).sort();
const uidOf = (pods: k8s.V1Pod[], name: string) => pods.find((p) => p.metadata?.name === name)?.metadata?.uid;
const kubectlOk = (args: string[]) => {
  const r = tc.kubectl(args);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

function ixctl(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args, '--kubeconfig', tc.kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Waits for exactly these pod names, all Running, and returns the pods. */
async function waitForNames(name: string, want: string[], timeoutMs = 60_000): Promise<k8s.V1Pod[]> {
  return waitFor(`pods ${want.join(', ')}`, async () => {
    const pods = await waitForRunningPods(tc, name, want.length, 5_000).catch(() => undefined);
    return pods && names(pods).join() === [...want].sort().join() ? pods : undefined;
  }, timeoutMs);
}

describe('ordinal replica identities', () => {
  it('names replicas <name>-0..n-1 with hostname and subdomain for the headless Service', async () => {
    await createDataplane(tc, 'ring', { replicas: 3, cores: { min: 2, max: 2 }, network: { resourceName: 'intel.com/sriov_netdevice' } });
    const pods = await waitForNames('ring', ['ring-0', 'ring-1', 'ring-2']);
    for (const p of pods) {
      assert.equal(p.spec?.hostname, p.metadata?.name);
      assert.equal(p.spec?.subdomain, 'ring');
    }
  });

  it('brings a deleted replica back under its ordinal', async () => {
    const before = await waitForNames('ring', ['ring-0', 'ring-1', 'ring-2']);
    assert.equal(tc.kubectl(['delete', 'pod', 'ring-1', '-n', ns, '--wait=false']).status, 0);
    const after = await waitFor('ring-1 replaced', async () => {
      const pods = await waitForNames('ring', ['ring-0', 'ring-1', 'ring-2'], 5_000).catch(() => undefined);
      return pods && uidOf(pods, 'ring-1') !== uidOf(before, 'ring-1') ? pods : undefined;
    });
    assert.equal(uidOf(after, 'ring-0'), uidOf(before, 'ring-0'), 'the others are untouched');
    assert.equal(uidOf(after, 'ring-2'), uidOf(before, 'ring-2'));
  });

  it('adds the next ordinals on scale-out and removes the highest on scale-in', async () => {
    kubectlOk(['scale', 'dp/ring', '-n', ns, '--replicas=5']);
    const five = await waitForNames('ring', ['ring-0', 'ring-1', 'ring-2', 'ring-3', 'ring-4']);
    kubectlOk(['scale', 'dp/ring', '-n', ns, '--replicas=2']);
    const two = await waitForNames('ring', ['ring-0', 'ring-1']);
    assert.equal(uidOf(two, 'ring-0'), uidOf(five, 'ring-0'));
    assert.equal(uidOf(two, 'ring-1'), uidOf(five, 'ring-1'));
    const events = (await tc.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=ring,reason=ScaledDown' })).items;
    assert.ok(events.some((e) => /^removed ring-4, ring-3, ring-2 \(2 replica\(s\) wanted: ordinals 0\.\.1\)$/.test(e.message ?? '')), events.map((e) => e.message).join('\n'));
  });

  it('keeps the ordinals through a rolling update', async () => {
    const before = await waitForNames('ring', ['ring-0', 'ring-1']);
    kubectlOk(['patch', 'dp/ring', '-n', ns, '--type=merge', '-p', '{"spec":{"memory":"96Mi"}}']);
    const after = await waitFor('both replicas rebuilt from the new spec', async () => {
      const pods = await waitForNames('ring', ['ring-0', 'ring-1'], 5_000).catch(() => undefined);
      return pods?.every((p) => p.spec?.containers[0]?.args?.includes('96')) ? pods : undefined;
    }, 90_000);
    for (const n of ['ring-0', 'ring-1']) assert.notEqual(uidOf(after, n), uidOf(before, n), `${n} was replaced`);
    const rolled = (await tc.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=ring,reason=RollingUpdate' })).items.map((e) => e.message);
    assert.ok(rolled.some((m) => m?.startsWith('replacing ring-1: its spec is outdated')), rolled.join('\n'));
  });
});

describe('the headless Service and the PodDisruptionBudget', () => {
  it('exist for the Dataplane, owned by it: kubectl get svc,pdb shows both', async () => {
    const dp = await getDataplane(tc, 'ring');
    const svc = await waitFor('the Service', () => tc.core.readNamespacedService({ name: 'ring', namespace: ns }));
    const pdb = await waitFor('the PodDisruptionBudget', () => policy.readNamespacedPodDisruptionBudget({ name: 'ring', namespace: ns }));
    for (const o of [svc, pdb]) {
      assert.deepEqual(o.metadata?.ownerReferences?.map((r) => ({ ...r })), [{ apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'ring', uid: dp.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    assert.equal(svc.spec?.clusterIP, 'None');
    assert.deepEqual(svc.spec?.ports?.map((p) => [p.name, p.port]), [['memcache', 11211], ['metrics', 9121]]);
    assert.equal(pdb.spec?.maxUnavailable, 1);
    const table = kubectlOk(['get', 'svc,pdb', '-n', ns]);
    assert.match(table, /^service\/ring\s+ClusterIP\s+None\s+<none>\s+11211\/TCP,9121\/TCP\s/m);
    assert.match(table, /^poddisruptionbudget\.policy\/ring\s+N\/A\s+1\s+\d+\s/m);
  });

  it('follows the spec\'s budget, refuses a budget of 0, and puts back what someone deletes', async () => {
    kubectlOk(['patch', 'dp/ring', '-n', ns, '--type=merge', '-p', '{"spec":{"disruptionBudget":{"maxUnavailable":2}}}']);
    await waitFor('maxUnavailable 2', async () => ((await policy.readNamespacedPodDisruptionBudget({ name: 'ring', namespace: ns })).spec?.maxUnavailable === 2 ? true : undefined));
    const zero = tc.kubectl(['patch', 'dp/ring', '-n', ns, '--type=merge', '-p', '{"spec":{"disruptionBudget":{"maxUnavailable":0}}}']);
    assert.notEqual(zero.status, 0);
    assert.match(zero.stderr, /spec\.disruptionBudget\.maxUnavailable in body should be greater than or equal to 1/);
    const oldUid = (await tc.core.readNamespacedService({ name: 'ring', namespace: ns })).metadata?.uid;
    kubectlOk(['delete', 'svc', 'ring', '-n', ns]);
    await waitFor('the Service back', async () => {
      const svc = await tc.core.readNamespacedService({ name: 'ring', namespace: ns });
      return svc.metadata?.uid !== oldUid ? true : undefined;
    });
  });
});

describe('addresses in status and ixctl endpoints', () => {
  it('publishes pod IPs, the VF address Multus reports, and the ready replicas as a server list', async () => {
    const pods = await waitForNames('ring', ['ring-0', 'ring-1']);
    const zero = pods.find((p) => p.metadata?.name === 'ring-0')!;
    // What Multus writes once the host-device CNI moved the VF into the pod.
    const networkStatus = JSON.stringify([
      { name: 'kindnet', interface: 'eth0', ips: [zero.status!.podIP], default: true, dns: {} },
      { name: `${ns}/${zero.metadata!.annotations!['k8s.v1.cni.cncf.io/networks']}`, interface: 'net1', ips: ['192.168.50.10'], mac: '5e:1c:22:10:aa:01', dns: {}, 'device-info': { type: 'pci', version: '1.1.0', pci: { 'pci-address': zero.metadata!.annotations!['ix.dev/vf'] } } },
    ]);
    kubectlOk(['annotate', 'pod', 'ring-0', '-n', ns, `k8s.v1.cni.cncf.io/network-status=${networkStatus}`]);
    const dp = await waitFor('the VF address in status', async () => {
      const d = await getDataplane(tc, 'ring');
      return d.status?.pods?.find((p) => p.name === 'ring-0')?.vfAddress === '192.168.50.10' && d.status.servers?.length === 2 ? d : undefined;
    });
    assert.deepEqual(dp.status?.servers, ['192.168.50.10:11211', `ring-1.ring.${ns}.svc:11211`]);
    const one = dp.status!.pods!.find((p) => p.name === 'ring-1')!;
    assert.equal(one.podIP, pods.find((p) => p.metadata?.name === 'ring-1')!.status!.podIP);
    assert.equal(one.hostname, `ring-1.ring.${ns}.svc`);
    assert.equal(one.ordinal, 1);

    const list = await ixctl(['endpoints', 'ring', '-n', ns]);
    assert.equal(list.status, 0, list.stderr);
    assert.equal(list.stdout, `192.168.50.10:11211,ring-1.ring.${ns}.svc:11211\n`);
    const mcrouter = await ixctl(['endpoints', 'ring', '-n', ns, '-o', 'mcrouter']);
    assert.deepEqual(JSON.parse(mcrouter.stdout), { pools: { [`${ns}-ring`]: { servers: ['192.168.50.10:11211', `ring-1.ring.${ns}.svc:11211`] } }, route: `PoolRoute|${ns}-ring` });
    const ips = await ixctl(['endpoints', 'ring', '-n', ns, '--hosts', 'ip', '-o', 'lines']);
    assert.equal(ips.stdout, ['ring-0', 'ring-1'].map((n) => `${pods.find((p) => p.metadata?.name === n)!.status!.podIP}:11211\n`).join(''));
    const missing = await ixctl(['endpoints', 'nothing', '-n', ns]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^ixctl: no Dataplane nothing in namespace /);
  });

  it('lists only ready replicas', async () => {
    const setReady = (status: 'True' | 'False') => kubectlOk(['patch', 'pod', 'ring-1', '-n', ns, '--subresource=status', '--type=strategic', '-p',
      JSON.stringify({ status: { conditions: [{ type: 'Ready', status }] } })]);
    const servers = async (want: string) => waitFor(`servers ${want}`, async () => ((await getDataplane(tc, 'ring')).status?.servers?.join() === want ? true : undefined), 20_000);
    setReady('False');
    await servers('192.168.50.10:11211');
    setReady('True');
    await servers(`192.168.50.10:11211,ring-1.ring.${ns}.svc:11211`);
    assert.equal((await podsOf(tc, 'ring')).length, 2);
  });
});

describe('pods from before ordinals', () => {
  it('are replaced by the lowest free ordinals through the rolling update (one at a time), none removed at once', async () => {
    // Pods as an earlier operator made them (random names), created while no operator runs.
    await stopOperator(operator);
    await createDataplane(tc, 'legacy', { replicas: 2, cores: { min: 2, max: 2 } });
    const dp = await getDataplane(tc, 'legacy');
    for (const name of ['legacy-3b76e', 'legacy-9c1d2']) {
      const pod = buildPod({ dp, name, specHash: 'from-before', defaultImage: 'registry.invalid/ix-operator:test' });
      delete pod.spec!.hostname;
      delete pod.spec!.subdomain;
      await tc.core.createNamespacedPod({ namespace: ns, body: pod });
    }
    operator = await startOperator(tc, { identity: 'after-ordinals' });
    const pods = await waitForNames('legacy', ['legacy-0', 'legacy-1'], 90_000);
    assert.ok(pods.every((p) => p.spec?.hostname === p.metadata?.name));
    const events = (await tc.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=legacy,reason=RollingUpdate' })).items.map((e) => e.message ?? '');
    for (const old of ['legacy-3b76e', 'legacy-9c1d2']) assert.ok(events.includes(`replacing ${old}: it has no ordinal name`), events.join('\n'));
    assert.equal((await tc.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=legacy,reason=ScaledDown' })).items.length, 0, 'none removed at once');
  });
});
