// The operator's informers against a real apiserver, through the failures a watch meets: a reset
// connection (an error @kubernetes/client-node 2 still stops on), a connection closed by the peer
// (2.0 reopens it itself), a 410 Gone (the relist must report what was deleted meanwhile), and an
// apiserver restart. After each, changes made during and after the failure reach the handlers and
// the cache equals what the apiserver holds. Then the operator's own case: dataplane pods deleted
// (and one replaced under its name) while the pods watch is cut, then a 410: every delete reaches
// the handlers, and the allocator forgets what those pods held. This file runs a cluster of its
// own: it restarts it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { SimCluster } from '../../src/sim/cluster.ts';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { ANNOTATIONS, LABELS, SCHEDULER_NAME } from '../../src/api/constants.ts';
import { Allocator } from '../../src/operator/allocator.ts';
import { allocationOfPod } from '../../src/operator/allocations.ts';
import { keyOf } from '../../src/operator/dataplane/names.ts';
import { SupervisedInformer } from '../../src/operator/runtime/informer.ts';
import { kubeconfigThrough, TcpProxy } from '../helpers/tcp-proxy.ts';

const namespace = 'informer-test';
let cluster: SimCluster;
let proxy: TcpProxy;
let direct: k8s.CoreV1Api;
let informer: SupervisedInformer<k8s.V1ConfigMap>;
const events: { type: 'add' | 'update' | 'delete'; name: string }[] = [];
let lists = 0;
let viaProxy: string;
let restarts = 0;

const names = () => informer.list(namespace).map((c) => c.metadata!.name!).sort();
const apiNames = async () => (await direct.listNamespacedConfigMap({ namespace })).items.map((c) => c.metadata!.name!).filter((n) => n.startsWith('cm-')).sort();
const create = (name: string) => direct.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { v: name } } });
const remove = (name: string) => direct.deleteNamespacedConfigMap({ name, namespace });
const seen = (type: 'add' | 'update' | 'delete', name: string) => waitFor(`the informer to see ${type} ${name}`, async () => (events.some((e) => e.type === type && e.name === name) ? true : undefined), 60_000, 100);
const cacheMatchesApi = async () => {
  const want = await apiNames();
  await waitFor(`the cache to hold ${want.join(',')}`, async () => (JSON.stringify(names().filter((n) => n.startsWith('cm-'))) === JSON.stringify(want) ? true : undefined), 30_000, 100);
};

/** Compacts etcd up to its current revision through its JSON gateway (etcd's v3 API over HTTP). */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const post = async (p: string, body: unknown) => {
    const res = await fetch(new URL(p, etcdUrl), { method: 'POST', body: JSON.stringify(body) });
    const text = await res.text();
    assert.equal(res.status, 200, `etcd ${p}: ${res.status} ${text}`);
    return JSON.parse(text) as { header: { revision: string } };
  };
  const { header } = await post('/v3/kv/range', { key: Buffer.from('/registry/').toString('base64'), limit: 1 });
  await post('/v3/kv/compaction', { revision: header.revision, physical: true });
}

before(async () => {
  cluster = await SimCluster.create({ name: `ix-test-${process.pid}`, log: (l) => console.error(`[informer] ${l}`) });
  const server = new URL(cluster.server);
  proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port) });
  // The informer reaches the apiserver through the proxy; the test's own writes go direct.
  viaProxy = kubeconfigThrough(proxy, cluster.kubeconfigPath, cluster.server);
  const kc = loadKubeConfig(viaProxy);
  direct = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await direct.createNamespace({ body: { metadata: { name: namespace } } });
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const record = (type: 'add' | 'update' | 'delete') => (o: k8s.V1ConfigMap) => events.push({ type, name: o.metadata!.name! });
  informer = new SupervisedInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => {
    lists++;
    return api.listNamespacedConfigMap({ namespace });
  }, { onAdd: record('add'), onUpdate: record('update'), onDelete: record('delete') }, log,
  { backoffBaseMs: 100, backoffMaxMs: 1000, onRestart: () => void restarts++ });
  await create('cm-0');
  await informer.start();
  assert.ok(names().includes('cm-0'));
});

after(async () => {
  await informer?.stop();
  await proxy?.stop();
  await cluster?.delete();
});

describe('informers against a real apiserver (client-node 2)', () => {
  it('survives a reset connection: the supervisor restarts the watch, and nothing made meanwhile is missed', async () => {
    const before = restarts;
    proxy.reset();
    await create('cm-reset');
    await seen('add', 'cm-reset');
    assert.ok(restarts > before, 'a reset is an error ListWatch stops on: the supervisor must have restarted it');
    await cacheMatchesApi();
  });

  it('survives a connection the server side closes: the watch is reopened from where it was, without a relist', async () => {
    const listsBefore = lists;
    await waitFor('the watch to be open again', async () => (proxy.openConnections > 0 ? true : undefined), 30_000, 100);
    proxy.close();
    await create('cm-closed');
    await remove('cm-0');
    await seen('add', 'cm-closed');
    await seen('delete', 'cm-0');
    assert.equal(lists, listsBefore, 'resuming from the last resourceVersion needs no list');
    await cacheMatchesApi();
  });

  it('after a 410 Gone, relists and reports what was deleted during the gap as deletes', async () => {
    const listsBefore = lists;
    await proxy.refuse();
    await remove('cm-reset');
    await create('cm-gap');
    // While the informer cannot reach the apiserver, compact etcd's history past the informer's
    // resourceVersion (as kube-apiserver itself does every 5 minutes) and restart the apiserver, so
    // that its watch cache, which would still replay the gap from memory, starts after it: resuming
    // is no longer possible, and the reconnect gets the apiserver's own 410 Gone.
    await compactEtcd(cluster.etcdUrl);
    await cluster.restart();
    await proxy.accept();
    await seen('delete', 'cm-reset');
    await seen('add', 'cm-gap');
    assert.ok(lists > listsBefore, 'a 410 must have made the informer list again');
    await cacheMatchesApi();
  });

  it('starts once the apiserver answers, retrying a first list that fails instead of failing the operator', async () => {
    await proxy.refuse();
    const late = new SupervisedInformer<k8s.V1ConfigMap>(loadKubeConfig(viaProxy), `/api/v1/namespaces/${namespace}/configmaps`,
      () => loadKubeConfig(viaProxy).makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace }), {}, log, { backoffBaseMs: 100, backoffMaxMs: 500 });
    let started = false;
    const starting = late.start().then(() => void (started = true));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(started, false, 'no list can succeed while the apiserver is unreachable');
    await proxy.accept();
    await starting;
    assert.ok(late.hasSynced);
    assert.ok(late.list(namespace).some((c) => c.metadata?.name === 'cm-gap'));
    await late.stop();
  });

  it('survives an apiserver (and etcd) restart and sees changes made after it', async () => {
    await proxy.accept(); // whatever an earlier test left
    const before = restarts;
    await cluster.restart();
    await create('cm-after-restart');
    await remove('cm-gap');
    await seen('add', 'cm-after-restart');
    await seen('delete', 'cm-gap');
    assert.ok(restarts > before, 'the watch broke while the apiserver was down: the supervisor restarted it');
    await cacheMatchesApi();
    assert.ok(informer.hasSynced);
  });

  it('dataplane pods deleted (one replaced under its name) while the watch is cut, then a 410: every delete reaches the handlers, and the allocator forgets them', async () => {
    await proxy.accept();
    await waitFor('the default service account', async () => (await direct.readNamespacedServiceAccount({ name: 'default', namespace })) && true);
    const dataplanePod = (name: string, cpus: string): k8s.V1Pod => ({
      metadata: { name, labels: { [LABELS.dataplane]: 'cache' }, annotations: { [ANNOTATIONS.cpus]: cpus, [ANNOTATIONS.node]: 'node-x', [ANNOTATIONS.numa]: '0' } },
      // Nobody binds them: they stay Pending, and an unbound pod's deletion is immediate.
      spec: { schedulerName: SCHEDULER_NAME, containers: [{ name: 'dataplane', image: 'registry.invalid/dataplane' }] },
    });
    const names = [0, 1, 2, 3, 4, 5].map((i) => `cache-${i}`);
    const created = await Promise.all(names.map((n, i) => direct.createNamespacedPod({ namespace, body: dataplanePod(n, `${2 * i}-${2 * i + 1}`) })));
    const allocator = new Allocator();
    const deletes: string[] = [];
    const adds: string[] = [];
    const podsApi = loadKubeConfig(viaProxy).makeApiClient(k8s.CoreV1Api);
    let podLists = 0;
    const pods = new SupervisedInformer<k8s.V1Pod>(loadKubeConfig(viaProxy), `/api/v1/namespaces/${namespace}/pods`, () => {
      podLists++;
      return podsApi.listNamespacedPod({ namespace });
    }, {
      onAdd: (p) => adds.push(`${p.metadata!.name} ${p.metadata!.uid}`),
      // As manager.ts wires it.
      onDelete: (p) => { allocator.forget(keyOf(p)); deletes.push(`${p.metadata!.name} ${p.metadata!.uid}`); },
    }, log, { backoffBaseMs: 100, backoffMaxMs: 1000 });
    after(() => pods.stop());
    await pods.start();
    // The operator had just placed them all: each allocation assumed, and cache-5's grown.
    for (const p of created) allocator.assume(allocationOfPod(p)!);
    allocator.assume({ ...allocationOfPod(created[5]!)!, cpus: [10, 11, 12, 13] });

    await proxy.refuse(); // the watch is cut
    await Promise.all(names.slice(0, 4).map((n) => direct.deleteNamespacedPod({ name: n, namespace })));
    await direct.deleteNamespacedPod({ name: 'cache-4', namespace });
    const replaced = await direct.createNamespacedPod({ namespace, body: dataplanePod('cache-4', '20-21') });
    await compactEtcd(cluster.etcdUrl); // the informer's resourceVersion is history now
    await cluster.restart();
    const listsBefore = podLists;
    await proxy.accept();

    const want = [...created.slice(0, 5)].map((p) => `${p.metadata!.name} ${p.metadata!.uid}`).sort();
    await waitFor(`deletes of ${want.join(', ')}`, async () => (JSON.stringify(deletes.toSorted()) === JSON.stringify(want) ? true : undefined), 60_000, 100);
    assert.ok(podLists > listsBefore, 'the gap was too old to resume: the informer relisted');
    assert.ok(adds.includes(`cache-4 ${replaced.metadata!.uid}`), 'the replacement cache-4 is an add of its own UID');
    assert.deepEqual(pods.list(namespace).map((p) => `${p.metadata!.name} ${p.metadata!.uid}`).sort(),
      [`cache-4 ${replaced.metadata!.uid}`, `cache-5 ${created[5]!.metadata!.uid}`]);
    // What the allocator counts: the two pods that exist, cache-4 with its new CPUs only, cache-5 with its grant.
    const held = allocator.view(pods.list()).allocations.map((a) => `${a.podKey}:${a.cpus.join(',')}`).sort();
    assert.deepEqual(held, [`${namespace}/cache-4:20,21`, `${namespace}/cache-5:10,11,12,13`]);
    assert.equal(allocator.assumedCount, 1, 'only cache-5\'s grant is still assumed (its pod does not show it yet)');
  });
});
