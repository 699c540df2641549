import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { place, tolerates } from '../../../src/operator/placement/index.ts';
import type { PlacementFailure, Placement } from '../../../src/operator/placement/index.ts';
import { makeNode, request } from './fixtures.ts';

function placed(outcome: unknown): Placement {
  const o = outcome as Placement | PlacementFailure;
  assert.ok(o.ok, o.ok ? '' : o.reason);
  return o;
}

function failed(outcome: unknown): PlacementFailure {
  const o = outcome as Placement | PlacementFailure;
  assert.ok(!o.ok, 'expected a failure');
  return o;
}

describe('tolerations (Kubernetes semantics)', () => {
  const taint = { key: 'dedicated', value: 'ix', effect: 'NoSchedule' as const };

  it('Equal matches key, value and effect', () => {
    assert.equal(tolerates({ key: 'dedicated', operator: 'Equal', value: 'ix', effect: 'NoSchedule' }, taint), true);
    assert.equal(tolerates({ key: 'dedicated', value: 'ix' }, taint), true, 'operator defaults to Equal, effect empty matches all');
    assert.equal(tolerates({ key: 'dedicated', value: 'other' }, taint), false);
    assert.equal(tolerates({ key: 'dedicated', value: 'ix', effect: 'NoExecute' }, taint), false);
    assert.equal(tolerates({ key: 'other', value: 'ix' }, taint), false);
  });

  it('Exists ignores the value; with an empty key it tolerates every taint', () => {
    assert.equal(tolerates({ key: 'dedicated', operator: 'Exists' }, taint), true);
    assert.equal(tolerates({ operator: 'Exists' }, taint), true);
    assert.equal(tolerates({ key: '', operator: 'Exists' }, { key: 'anything', effect: 'NoExecute' }), true);
    assert.equal(tolerates({ operator: 'Exists', effect: 'NoExecute' }, taint), false);
  });

  it('a taint without value matches Equal with no value', () => {
    assert.equal(tolerates({ key: 'gpu' }, { key: 'gpu', effect: 'NoSchedule' }), true);
    assert.equal(tolerates({ key: 'gpu', value: 'x' }, { key: 'gpu', effect: 'NoSchedule' }), false);
  });
});

describe('node filters in place()', () => {
  it('skips nodes that are not ready or cordoned', () => {
    const nodes = [
      makeNode({ name: 'a' }, { ready: false }),
      makeNode({ name: 'b' }, { unschedulable: true }),
      makeNode({ name: 'c' }),
    ];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2)])[0]).node, 'c');
  });

  it('lets a pod that tolerates the unschedulable taint onto a cordoned node', () => {
    const nodes = [makeNode({ name: 'b' }, { unschedulable: true })];
    const tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' as const, effect: 'NoSchedule' as const }];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { tolerations })])[0]).node, 'b');
    assert.equal(failed(place(nodes, [], [request('ns/p', 2)])[0]).rejections.unschedulable, 1);
  });

  it('requires every nodeSelector label to match', () => {
    const nodes = [
      makeNode({ name: 'a' }, { labels: { pool: 'ix' } }),
      makeNode({ name: 'b' }, { labels: { pool: 'ix', zone: 'z1' } }),
    ];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { nodeSelector: { pool: 'ix', zone: 'z1' } })])[0]).node, 'b');
    const f = failed(place(nodes, [], [request('ns/p', 2, { nodeSelector: { pool: 'other' } })])[0]);
    assert.equal(f.rejections.nodeSelector, 2);
    assert.equal(f.reason, '0/2 nodes are available: 2 did not match the node selector.');
  });

  it('refuses NoSchedule and NoExecute taints that are not tolerated, and accepts tolerated ones', () => {
    const nodes = [
      makeNode({ name: 'a' }, { taints: [{ key: 'dedicated', value: 'ix', effect: 'NoSchedule' }] }),
      makeNode({ name: 'b' }, { taints: [{ key: 'maintenance', effect: 'NoExecute' }] }),
    ];
    const f = failed(place(nodes, [], [request('ns/p', 2)])[0]);
    assert.equal(f.rejections.taint, 2);
    assert.equal(f.reason, '0/2 nodes are available: 1 had an untolerated taint {dedicated=ix:NoSchedule}, '
      + '1 had an untolerated taint {maintenance:NoExecute}.');
    const tol = [{ key: 'dedicated', operator: 'Equal' as const, value: 'ix', effect: 'NoSchedule' as const }];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { tolerations: tol })])[0]).node, 'a');
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { tolerations: [{ operator: 'Exists' }] })])[0]).node, 'a');
  });

  it('treats PreferNoSchedule as a preference, not a filter', () => {
    const soft = [{ key: 'spot', effect: 'PreferNoSchedule' as const }];
    const nodes = [makeNode({ name: 'a' }, { taints: soft }), makeNode({ name: 'b' })];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2)])[0]).node, 'b');
    assert.equal(placed(place([nodes[0]!], [], [request('ns/p', 2)])[0]).node, 'a');
    const tolerated = [{ key: 'spot', operator: 'Exists' as const }];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { tolerations: tolerated })])[0]).node, 'a',
      'tolerated soft taint: name order decides');
  });

  it('never places on a node an autoscaler is removing, even for a pod that tolerates every taint', () => {
    const nodes = [
      makeNode({ name: 'a' }, { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] }),
      makeNode({ name: 'b' }, { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1764633600', effect: 'NoSchedule' }] }),
      makeNode({ name: 'c' }),
    ];
    const everything = [{ operator: 'Exists' as const }];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { tolerations: everything })])[0]).node, 'c');
    const f = failed(place(nodes.slice(0, 2), [], [request('ns/p', 2, { tolerations: everything })])[0]);
    assert.equal(f.rejections.beingRemoved, 2);
    assert.equal(f.reason, '0/2 nodes are available: 2 being removed by an autoscaler.');
  });

  it('places on a node Karpenter launched once its own taints are gone', () => {
    // karpenter.sh/unregistered (NoExecute) is on a new node until Karpenter registers it.
    const registering = makeNode({ name: 'new' }, { taints: [{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }] });
    assert.equal(failed(place([registering], [], [request('ns/p', 2)])[0]).rejections.taint, 1);
    assert.equal(placed(place([makeNode({ name: 'new' })], [], [request('ns/p', 2)])[0]).node, 'new');
  });
});
