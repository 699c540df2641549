import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { nextToReplace, ordinalOf, ordinalPodName, planMembership } from '../../../src/operator/dataplane/ordinals.ts';

const pod = (name: string, opts: { ready?: boolean; bound?: boolean; created?: string } = {}): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(opts.created ?? '2026-01-01T00:00:00Z') },
  spec: { containers: [], ...(opts.bound === false ? {} : { nodeName: 'n1' }) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});
const names = (pods: readonly V1Pod[]) => pods.map((p) => p.metadata!.name);
const plan = (replicas: number, live: V1Pod[], taken: string[] = []) => planMembership({ dataplane: 'cache', replicas, live, taken: new Set(taken) });

describe('ordinal names', () => {
  it('reads back the ordinal of a replica name, and nothing else', () => {
    assert.equal(ordinalPodName('cache', 7), 'cache-7');
    assert.equal(ordinalOf('cache', 'cache-0'), 0);
    assert.equal(ordinalOf('cache', 'cache-12'), 12);
    assert.equal(ordinalOf('cache', 'cache-01'), undefined, 'one name per ordinal');
    assert.equal(ordinalOf('cache', 'cache-3b76e'), undefined, 'a random suffix from before ordinals');
    assert.equal(ordinalOf('cache', 'cache-x-1'), undefined);
    assert.equal(ordinalOf('cache-x', 'cache-x-1'), 1);
    assert.equal(ordinalOf('cache', 'cachex-1'), undefined);
  });
});

describe('planMembership', () => {
  it('creates ordinals 0..n-1 from nothing', () => {
    assert.deepEqual(plan(3, []), { create: [0, 1, 2], remove: [], unnumbered: [] });
  });

  it('brings a replaced replica back under its ordinal once the old pod is gone', () => {
    assert.deepEqual(plan(3, [pod('cache-0'), pod('cache-2')], ['cache-1']).create, [], 'cache-1 still terminating: it waits');
    assert.deepEqual(plan(3, [pod('cache-0'), pod('cache-2')]).create, [1]);
  });

  it('adds the next ordinals on scale-out', () => {
    assert.deepEqual(plan(5, [pod('cache-0'), pod('cache-1'), pod('cache-2')]).create, [3, 4]);
  });

  it('removes the highest ordinals on scale-in, whatever they serve', () => {
    const live = [pod('cache-0', { ready: false }), pod('cache-1', { bound: false }), pod('cache-2'), pod('cache-3'), pod('cache-4')];
    const p = plan(2, live);
    assert.deepEqual(names(p.remove), ['cache-4', 'cache-3', 'cache-2']);
    assert.deepEqual(p.create, []);
  });

  it('counts pods from before ordinals until they are replaced, and removes them first when there are too many', () => {
    const old = [pod('cache-abcde', { created: '2026-01-01T00:00:00Z' }), pod('cache-fghij', { created: '2026-01-02T00:00:00Z' }), pod('cache-klmno', { ready: false })];
    const keep = plan(3, old);
    assert.deepEqual(keep, { create: [], remove: [], unnumbered: old }, 'enough replicas: nothing created or removed at once');
    const scaledIn = plan(1, old);
    assert.deepEqual(names(scaledIn.remove), ['cache-klmno', 'cache-fghij'], 'not ready first, then the newest');
    assert.deepEqual(names(scaledIn.unnumbered), ['cache-abcde']);
    const mixed = plan(3, [pod('cache-0'), old[0]!]);
    assert.deepEqual(mixed.create, [1], 'one replica missing: the lowest free ordinal');
  });
});

describe('nextToReplace', () => {
  const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  it('takes a replica that does not serve first, then unnumbered pods, then the highest ordinal', () => {
    const outdated = [pod('cache-0'), pod('cache-2'), pod('cache-1', { ready: false })];
    assert.equal(nextToReplace('cache', outdated, ready, false)?.metadata?.name, 'cache-1');
    assert.equal(nextToReplace('cache', [pod('cache-0'), pod('cache-2')], ready, true)?.metadata?.name, 'cache-2');
    assert.equal(nextToReplace('cache', [pod('cache-0'), pod('cache-abcde'), pod('cache-7')], ready, true)?.metadata?.name, 'cache-abcde');
  });

  it('waits while another replica is not ready', () => {
    assert.equal(nextToReplace('cache', [pod('cache-0'), pod('cache-1')], ready, false), undefined);
  });
});
