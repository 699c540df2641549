// The informer on a fake watch: what reaches the handlers across a reset connection (resumed from
// the last resourceVersion, nothing relisted) and a 410 Gone (relisted: every object that vanished
// in the gap is a delete, every changed one an update, one replaced under its name a delete of the
// old UID and an add of the new), and the allocator, fed as the operator feeds it, forgets what the
// deleted pods held.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../../../src/api/constants.ts';
import { log } from '../../../src/lib/log.ts';
import { Allocator } from '../../../src/operator/allocator.ts';
import { allocationOfPod } from '../../../src/operator/allocations.ts';
import { keyOf } from '../../../src/operator/dataplane/names.ts';
import { SupervisedInformer } from '../../../src/operator/runtime/informer.ts';

type Callback = (phase: string, obj: k8s.V1Pod) => void;
type Done = (err: unknown) => void;

/** client-node's Watch, answered by the test: it delivers events and ends watches by hand. */
class FakeWatch {
  readonly opened: { resourceVersion: string; callback: Callback; done: Done }[] = [];
  async watch(_path: string, query: Record<string, unknown>, callback: Callback, done: Done): Promise<AbortController> {
    this.opened.push({ resourceVersion: String(query.resourceVersion ?? ''), callback, done });
    return new AbortController();
  }
  get current() {
    return this.opened.at(-1)!;
  }
}

let rv = 100;
function pod(name: string, uid: string, cpus: string): k8s.V1Pod {
  return {
    metadata: {
      name, namespace: 'ns', uid, resourceVersion: String(++rv), labels: { [LABELS.dataplane]: 'cache' },
      annotations: { [ANNOTATIONS.cpus]: cpus, [ANNOTATIONS.node]: 'node-a', [ANNOTATIONS.numa]: '0' },
      ownerReferences: [{ apiVersion: 'ix.dev/v1alpha1', kind: 'Dataplane', name: 'cache', uid: 'dp', controller: true }],
    },
  };
}

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), `timed out waiting for ${what}`);
};

function setUp(initial: k8s.V1Pod[]) {
  const watch = new FakeWatch();
  let listed = initial;
  let lists = 0;
  const events: string[] = [];
  const allocator = new Allocator();
  const informer = new SupervisedInformer<k8s.V1Pod>(new k8s.KubeConfig(), '/api/v1/pods', async () => {
    lists++;
    return { metadata: { resourceVersion: String(++rv) }, items: listed } as k8s.KubernetesListObject<k8s.V1Pod>;
  }, {
    onAdd: (p) => events.push(`add ${p.metadata!.name} ${p.metadata!.uid}`),
    onUpdate: (p) => events.push(`update ${p.metadata!.name} ${p.metadata!.uid}`),
    // As the operator wires it (manager.ts): a deleted pod holds nothing the allocator assumed.
    onDelete: (p) => { allocator.forget(keyOf(p)); events.push(`delete ${p.metadata!.name} ${p.metadata!.uid}`); },
  }, log, { backoffBaseMs: 1, backoffMaxMs: 5, watch });
  return { watch, informer, events, allocator, lists: () => lists, relistWith: (items: k8s.V1Pod[]) => { listed = items; } };
}

describe('SupervisedInformer over a watch that breaks', () => {
  it('resumes from the last resourceVersion after a reset connection, without a list', async () => {
    const t = setUp([pod('cache-0', 'u0', '2-3')]);
    await t.informer.start();
    const b = pod('cache-1', 'u1', '4-5');
    t.watch.current.callback('ADDED', b);
    t.watch.current.done(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await until('the restarted watch', () => t.watch.opened.length === 2);
    assert.equal(t.watch.current.resourceVersion, b.metadata!.resourceVersion);
    assert.equal(t.lists(), 1);
    assert.deepEqual(t.events, ['add cache-0 u0', 'add cache-1 u1']);
    await t.informer.stop();
  });

  for (const how of ['an HTTP 410 that ends the watch', 'an ERROR event with code 410 in the stream'] as const) {
    it(`after ${how}, relists and reports every delete, change and replacement made in the gap; the allocator forgets the deleted pods`, async () => {
      const [p0, p1, p2, p3] = [pod('cache-0', 'u0', '2-3'), pod('cache-1', 'u1', '4-5'), pod('cache-2', 'u2', '6-7'), pod('cache-3', 'u3', '8-9')];
      const t = setUp([p0, p1, p2, p3]);
      await t.informer.start();
      // The operator had just granted cache-1 more CPUs and assumed cache-2's and cache-3's.
      for (const [p, cpus] of [[p1, [4, 5, 10, 11]], [p2, [6, 7]], [p3, [8, 9]]] as const) t.allocator.assume({ ...allocationOfPod(p)!, cpus: [...cpus] });
      t.events.length = 0;
      // The watch is cut; meanwhile cache-1 and cache-3 are deleted, cache-2 is deleted and created
      // again under its name (another UID, other CPUs), cache-0 changes and cache-4 is new.
      t.watch.current.done(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      await until('the restarted watch', () => t.watch.opened.length === 2);
      const changed0 = { ...p0, metadata: { ...p0.metadata, resourceVersion: String(++rv), labels: { ...p0.metadata!.labels, touched: 'yes' } } };
      t.relistWith([changed0, pod('cache-2', 'u2-new', '12-13'), pod('cache-4', 'u4', '14-15')]);
      if (how === 'an HTTP 410 that ends the watch') t.watch.current.done(Object.assign(new Error('Gone'), { statusCode: 410 }));
      else {
        t.watch.current.callback('ERROR', { code: 410 } as unknown as k8s.V1Pod);
        t.watch.current.done(null);
      }
      await until('the relist and a new watch', () => t.watch.opened.length === 3);
      assert.equal(t.lists(), 2, 'a 410 relists');
      assert.deepEqual(t.events.toSorted(), ['add cache-2 u2-new', 'add cache-4 u4', 'delete cache-1 u1', 'delete cache-2 u2', 'delete cache-3 u3', 'update cache-0 u0'].sort());
      assert.ok(t.events.indexOf('delete cache-2 u2') < t.events.indexOf('add cache-2 u2-new'), 'the old cache-2 goes before the new one comes');
      assert.deepEqual(t.informer.list().map((p) => `${p.metadata!.name} ${p.metadata!.uid}`).sort(), ['cache-0 u0', 'cache-2 u2-new', 'cache-4 u4']);
      // Nothing the deleted pods held is still counted: only what the pods that exist say.
      assert.equal(t.allocator.assumedCount, 0);
      const held = t.allocator.view(t.informer.list()).allocations.map((a) => `${a.podKey}:${a.cpus.join(',')}`).sort();
      assert.deepEqual(held, ['ns/cache-0:2,3', 'ns/cache-2:12,13', 'ns/cache-4:14,15']);
      await t.informer.stop();
    });
  }
});
