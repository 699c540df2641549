import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatusView, cpuCount, summarizeConditions } from '../../../src/cli/status-view.ts';
import { condition, dataplane, node, pod } from './status-fixtures.ts';

describe('summarizeConditions', () => {
  it('says the Ready reason when every condition is in its normal state (Progressing normally False)', () => {
    assert.equal(summarizeConditions([
      condition('Placed', 'True', 'AllReplicasPlaced'), condition('Progressing', 'False', 'Settled'), condition('Ready', 'True', 'AllReplicasReady'),
    ]), 'AllReplicasReady');
  });

  it('lists every condition off its normal state, Ready first', () => {
    assert.equal(summarizeConditions([
      condition('Placed', 'False', 'InsufficientResources'), condition('Progressing', 'True', 'ScalingUp'), condition('Ready', 'False', 'Unschedulable'),
    ]), 'Ready=False(Unschedulable), Placed=False(InsufficientResources), Progressing=True(ScalingUp)');
  });

  it('is empty when the operator has written no condition yet', () => {
    assert.equal(summarizeConditions(undefined), '');
    assert.equal(summarizeConditions([]), '');
  });
});

describe('cpuCount', () => {
  it('counts a cpuset list, and gives up on a bad one instead of throwing', () => {
    assert.equal(cpuCount('1-3,9'), 4);
    assert.equal(cpuCount(''), 0);
    assert.equal(cpuCount('3-1'), undefined);
    assert.equal(cpuCount(undefined), undefined);
  });
});

describe('buildStatusView', () => {
  const cacheStatus = {
    readyReplicas: 1, coresActive: 3, coresAllocated: 4, p99: '180us',
    pods: [{ name: 'cache-aaaaa', ready: true, p99: '180us' }, { name: 'cache-bbbbb', ready: false }],
    conditions: [condition('Placed', 'True', 'AllReplicasPlaced'), condition('Progressing', 'True', 'WaitingForReady', '2 pod(s)'), condition('Ready', 'False', 'ReplicasNotReady', '1/2 replicas ready')],
  };
  const input = {
    dataplanes: [dataplane('zeta', 'web', 1), dataplane('alpha', 'cache', 2, cacheStatus)],
    pods: [
      pod('alpha', 'cache', 'cache-bbbbb', { node: 'kwok-node-10', cpus: '2,10', active: '2', numa: 0, phase: 'Pending', ready: false }),
      pod('alpha', 'cache', 'cache-aaaaa', { node: 'kwok-node-2', cpus: '1-2,9-10', active: '1-2,9', vf: '0000:3b:02.0', numa: 0 }),
      pod('zeta', 'web', 'web-ccccc'),
    ],
    nodes: [
      node('kwok-node-10', { allocatedCpus: '2,10', cpusFree: 10, sharedPool: '0-1,3-9,11-15', vfsFree: 4, vfsTotal: 4, allocations: [] }),
      node('kwok-node-2', { allocatedCpus: '1-2,9-10', cpusFree: 8, sharedPool: '0,3-8,11-15', vfsFree: 3, vfsTotal: 4, allocations: [{ pod: 'alpha/cache-aaaaa', dataplane: 'alpha/cache', numa: 0, cpus: '1-2,9-10', vf: '0000:3b:02.0' }] }),
      node('kwok-node-3'),
    ],
  };

  it('gives one row per Dataplane from spec and status, sorted by namespace and name', () => {
    const view = buildStatusView(input);
    assert.deepEqual(view.dataplanes, [
      { namespace: 'alpha', name: 'cache', replicas: { ready: 1, wanted: 2 }, cores: { active: 3, allocated: 4 }, p99: '180us', conditions: 'Ready=False(ReplicasNotReady), Progressing=True(WaitingForReady)' },
      { namespace: 'zeta', name: 'web', replicas: { ready: 0, wanted: 1 }, cores: {}, conditions: '' },
    ]);
    assert.deepEqual(view.problems, [
      { namespace: 'alpha', dataplane: 'cache', type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '1/2 replicas ready' },
      { namespace: 'alpha', dataplane: 'cache', type: 'Progressing', status: 'True', reason: 'WaitingForReady', message: '2 pod(s)' },
    ], 'conditions off their normal state, Ready first');
  });

  it("reads each pod's allocation from its annotations and its p99 from the Dataplane's status.pods", () => {
    const view = buildStatusView(input);
    assert.deepEqual(view.pods.map((p) => p.name), ['cache-aaaaa', 'cache-bbbbb', 'web-ccccc']);
    assert.deepEqual(view.pods[0], {
      namespace: 'alpha', dataplane: 'cache', name: 'cache-aaaaa', node: 'kwok-node-2', phase: 'Running', ready: true,
      numa: 0, cpus: '1-2,9-10', activeCpus: '1-2,9', vf: '0000:3b:02.0', p99: '180us',
    });
    // Placed but not bound yet: the node comes from ix.dev/node.
    assert.equal(view.pods[1]?.node, 'kwok-node-10');
    assert.equal(view.pods[1]?.ready, false);
    assert.equal(view.pods[1]?.p99, undefined, 'no p99 in status.pods for it');
    assert.deepEqual(view.pods[2], { namespace: 'zeta', dataplane: 'web', name: 'web-ccccc', phase: 'Pending', ready: false });
  });

  it('shows every node in name order (numbers numerically), dedicatable CPUs from the inventory, the rest from status', () => {
    const view = buildStatusView(input);
    assert.deepEqual(view.nodes.map((n) => n.name), ['kwok-node-2', 'kwok-node-3', 'kwok-node-10']);
    assert.deepEqual(view.nodes[0], {
      name: 'kwok-node-2', cpus: 16, dedicatable: 12, allocated: 4, allocatedCpus: '1-2,9-10', free: 8, sharedPool: '0,3-8,11-15', vfsTotal: 4, vfsFree: 3, pods: 1,
    });
    assert.deepEqual(view.nodes[1], { name: 'kwok-node-3', cpus: 16, dedicatable: 12, vfsTotal: 4 }, 'no status yet: only what the inventory says');
  });

  it('for one namespace, shows only the nodes its pods are on', () => {
    const view = buildStatusView({ ...input, namespace: 'alpha', dataplanes: input.dataplanes.slice(1), pods: input.pods.slice(0, 2) });
    assert.equal(view.namespace, 'alpha');
    assert.deepEqual(view.nodes.map((n) => n.name), ['kwok-node-2', 'kwok-node-10']);
  });

  it('ignores pods without the dataplane label, marks terminating pods, and survives bad annotations', () => {
    const stray = pod('alpha', 'cache', 'stray');
    delete stray.metadata!.labels!['ix.dev/dataplane'];
    const dying = pod('alpha', 'cache', 'cache-ddddd', { node: 'kwok-node-2', cpus: 'garbage', numa: 7, terminating: true });
    const view = buildStatusView({ dataplanes: [], pods: [stray, dying], nodes: [node('bad', { allocatedCpus: '9-1' })], warnings: ['w'] });
    assert.deepEqual(view.pods.map((p) => [p.name, p.phase, p.cpus]), [['cache-ddddd', 'Terminating', 'garbage']]);
    assert.equal(view.nodes[0]?.allocated, undefined);
    assert.equal(view.nodes[0]?.allocatedCpus, '9-1', 'shown as written, so a person sees what is wrong');
    assert.deepEqual(view.warnings, ['w']);
  });
});
