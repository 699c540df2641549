import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { computeStatus } from '../../../src/operator/dataplane/status.ts';
import { setCondition } from '../../../src/operator/dataplane/conditions.ts';
import { summarizeNode } from '../../../src/operator/dataplanenode/status.ts';
import { dataplane } from './fixtures.ts';

const pod = (name: string, hash: string, ready: boolean, cpus = '2-3'): V1Pod => ({
  metadata: { name, annotations: { 'ix.dev/spec-hash': hash, 'ix.dev/cpus': cpus, 'ix.dev/active-cpus': cpus, 'ix.dev/numa': '0' } },
  spec: { nodeName: 'n1', containers: [] },
  status: { phase: ready ? 'Running' : 'Pending', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

describe('setCondition', () => {
  it('moves lastTransitionTime only when the status changes', () => {
    let c = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: 'x' }, 1, t0);
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'B', message: 'y' }, 2, t1);
    assert.deepEqual(c, [{ type: 'Ready', status: 'False', reason: 'B', message: 'y', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'C', message: 'z' }, 2, t1);
    assert.equal(c[0]?.lastTransitionTime, '2026-01-01T00:01:00Z');
  });
});

describe('computeStatus', () => {
  it('is Ready and settled when every wanted replica is up to date and ready', () => {
    const s = computeStatus({ dp: dataplane(), pods: [pod('a', 'h', true), pod('b', 'h', true)], specHash: 'h', now: t0 });
    assert.equal(s.replicas, 2);
    assert.equal(s.readyReplicas, 2);
    assert.equal(s.coresAllocated, 4);
    assert.equal(s.selector, 'ix.dev/dataplane=cache');
    assert.equal(s.observedGeneration, 3);
    const by = Object.fromEntries(s.conditions!.map((c) => [c.type, [c.status, c.reason]]));
    assert.deepEqual(by, { Placed: ['True', 'AllReplicasPlaced'], Progressing: ['False', 'Settled'], Ready: ['True', 'AllReplicasReady'], CoresEnforced: ['True', 'ResizedToGrants'] });
    assert.deepEqual(s.pods?.[0], { name: 'a', hostname: 'a.cache.ns.svc', node: 'n1', numa: 0, cpus: '2-3', activeCpus: '2-3', ready: true });
  });

  it('says when a kubelet does not enforce a grant: a resize Deferred or Infeasible (ADR 0018)', () => {
    const stuck = (name: string, reason: string, message: string): V1Pod => {
      const p = pod(name, 'h', true);
      p.status!.conditions!.push({ type: 'PodResizePending', status: 'True', reason, message });
      return p;
    };
    const deferred = computeStatus({ dp: dataplane(), pods: [stuck('a', 'Deferred', 'Node didn\'t have enough capacity'), pod('b', 'h', true)], specHash: 'h', now: t0 });
    const c = deferred.conditions!.find((x) => x.type === 'CoresEnforced')!;
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'ResizeDeferred');
    assert.match(c.message, /^a: resize deferred \(Node didn't have enough capacity\): no more CPUs/);
    const infeasible = computeStatus({ dp: dataplane(), pods: [stuck('a', 'Deferred', 'x'), stuck('b', 'Infeasible', 'static CPU manager')], specHash: 'h', now: t0 });
    assert.equal(infeasible.conditions!.find((x) => x.type === 'CoresEnforced')!.reason, 'ResizeInfeasible');
  });

  it('says what is in progress, and why replicas wait', () => {
    const rolling = computeStatus({ dp: dataplane(), pods: [pod('a', 'old', true), pod('b', 'h', true)], specHash: 'h', now: t0 });
    assert.equal(rolling.conditions!.find((c) => c.type === 'Progressing')?.reason, 'RollingUpdate');
    const waiting = computeStatus({ dp: dataplane(), pods: [pod('a', 'h', true), pod('b', 'h', false)], specHash: 'h', unplaced: { count: 1, reason: '0/3 nodes are available: 3 had too few free CPUs' }, now: t0 });
    const placed = waiting.conditions!.find((c) => c.type === 'Placed')!;
    assert.equal(placed.status, 'False');
    assert.equal(placed.message, '1 replica(s) cannot be placed: 0/3 nodes are available: 3 had too few free CPUs');
    assert.equal(waiting.conditions!.find((c) => c.type === 'Ready')?.reason, 'Unschedulable');
  });
});

describe('summarizeNode', () => {
  it('reports what is dedicated, free and shared on one node', () => {
    const node = { name: 'n1', ready: true, unschedulable: false, labels: {}, taints: [], reservedCpus: [0], allocatableCpuMillis: 4000, nonDataplaneCpuRequestMillis: 0,
      cpus: [0, 1, 2, 3].map((id) => ({ id, core: id, socket: 0, numa: 0 })), vfs: [{ pciAddress: '0000:3b:02.0', pf: 'p', numa: 0 }, { pciAddress: '0000:3b:02.1', pf: 'p', numa: 0 }] };
    const s = summarizeNode({ node, allocations: [{ podKey: 'ns/a', dataplaneKey: 'ns/d', node: 'n1', numa: 0, cpus: [2, 3], vf: '0000:3b:02.1' }, { podKey: 'ns/z', dataplaneKey: 'ns/d', node: 'n2', numa: 0, cpus: [1] }], generation: 1, previous: undefined, now: t0 });
    assert.equal(s.allocatedCpus, '2-3');
    assert.equal(s.sharedPool, '0-1');
    assert.equal(s.cpusFree, 1);
    assert.equal(s.vfsFree, 1);
    assert.deepEqual(s.allocations, [{ pod: 'ns/a', dataplane: 'ns/d', numa: 0, cpus: '2-3', vf: '0000:3b:02.1' }]);
    const missing = summarizeNode({ node: undefined, allocations: [], generation: 1, previous: undefined, now: t0 });
    assert.equal(missing.conditions?.[0]?.reason, 'NodeMissing');
  });
});
