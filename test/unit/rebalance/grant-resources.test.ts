import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../../../src/api/constants.ts';
import { actuatedCpus, blockedResize, cpuQuantity, cpusToKeep, grantedCpuCount, resizeBody, resizeState, resizeTarget } from '../../../src/operator/rebalance/grant-resources.ts';

function pod(opts: { cpus?: string; requests?: string; limits?: string; node?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; allocated?: string }): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'n', annotations: opts.cpus ? { [ANNOTATIONS.cpus]: opts.cpus } : {} },
    spec: {
      nodeName: opts.node ?? 'node-a',
      containers: [{ name: 'dataplane', resources: { requests: { cpu: opts.requests ?? '2', memory: '1Gi' }, limits: { cpu: opts.limits ?? '2', memory: '1Gi' } } }],
    },
    status: {
      conditions: opts.conditions,
      containerStatuses: opts.allocated ? [{ name: 'dataplane', image: 'x', imageID: '', ready: true, restartCount: 0, allocatedResources: { cpu: opts.allocated } }] : undefined,
    },
  } as V1Pod;
}

describe('grants and pod resources (ADR 0018)', () => {
  it('reads CPU quantities as Kubernetes writes them', () => {
    assert.equal(cpuQuantity('2'), 2);
    assert.equal(cpuQuantity('1500m'), 1.5);
    assert.equal(cpuQuantity('0.5'), 0.5);
    assert.equal(cpuQuantity('two'), undefined);
    assert.equal(cpuQuantity(undefined), undefined);
  });

  it('a pod whose requests and limits equal its grant needs no resize; any other is resized to the grant', () => {
    assert.equal(resizeTarget(pod({ cpus: '2-3' })), undefined);
    assert.equal(resizeTarget(pod({ cpus: '2-5' })), 4);
    assert.equal(resizeTarget(pod({ cpus: '2', requests: '1', limits: '2' })), 1);
    assert.equal(resizeTarget(pod({ cpus: '2-3', requests: '2000m', limits: '2000m' })), undefined);
    assert.equal(grantedCpuCount(pod({ cpus: '0,2,4-6' })), 5);
  });

  it('pods without a grant or not bound are left alone', () => {
    assert.equal(resizeTarget(pod({})), undefined);
    assert.equal(resizeTarget(pod({ cpus: '1-4', node: '' })), undefined);
  });

  it('reads the kubelet\'s answer from the pod conditions', () => {
    assert.deepEqual(resizeState(pod({})), { kind: 'done' });
    assert.deepEqual(resizeState(pod({ conditions: [{ type: 'PodResizeInProgress', status: 'True' }] })), { kind: 'inProgress' });
    assert.deepEqual(resizeState(pod({ conditions: [{ type: 'PodResizePending', status: 'True', reason: 'Deferred', message: 'Node didn\'t have enough capacity' }] })),
      { kind: 'deferred', message: 'Node didn\'t have enough capacity' });
    assert.deepEqual(resizeState(pod({ conditions: [{ type: 'PodResizePending', status: 'True', reason: 'Infeasible', message: 'static CPU manager' }] })),
      { kind: 'infeasible', message: 'static CPU manager' });
    assert.deepEqual(resizeState(pod({ conditions: [{ type: 'PodResizePending', status: 'False', reason: 'Infeasible' }] })), { kind: 'done' });
    assert.equal(blockedResize(pod({ conditions: [{ type: 'PodResizeInProgress', status: 'True' }] })), undefined);
    assert.deepEqual(blockedResize(pod({ conditions: [{ type: 'PodResizePending', status: 'True', reason: 'Infeasible', message: 'm' }] })), { kind: 'infeasible', message: 'm' });
  });

  it('gives an Infeasible grant back to what the kubelet actuated, keeping the CPUs that run threads', () => {
    assert.equal(actuatedCpus(pod({ allocated: '2' })), 2);
    assert.deepEqual(cpusToKeep([2, 3, 4, 5], [4, 5], 2), [4, 5]);
    assert.deepEqual(cpusToKeep([2, 3, 4, 5], [5], 2), [2, 5]);
    assert.deepEqual(cpusToKeep([2, 3], [], 0), [2]);
  });

  it('the resize body sets CPU requests and limits of the dataplane container only', () => {
    assert.deepEqual(resizeBody(3), { spec: { containers: [{ name: 'dataplane', resources: { requests: { cpu: '3' }, limits: { cpu: '3' } } }] } });
  });
});
