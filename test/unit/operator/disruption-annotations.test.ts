import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { CLUSTER_AUTOSCALER_SAFE_TO_EVICT, KARPENTER_DO_NOT_DISRUPT, protectionPatch } from '../../../src/operator/dataplane/disruption-annotations.ts';
import { buildPod } from '../../../src/operator/dataplane/pod-builder.ts';
import type { Dataplane } from '../../../src/api/dataplane.ts';
import { dataplane } from './fixtures.ts';

const policy = (doNotDisrupt: Dataplane['spec']['disruptionBudget']['doNotDisrupt']) => dataplane({ cores: { min: 2, max: 4 }, disruptionBudget: { maxUnavailable: 1, doNotDisrupt } });
const PROTECTED = { [KARPENTER_DO_NOT_DISRUPT]: 'true', [CLUSTER_AUTOSCALER_SAFE_TO_EVICT]: 'false' };

function pod(annotations: Record<string, string>): V1Pod {
  return { metadata: { name: 'cache-0', namespace: 'ns', annotations } };
}

describe('do-not-disrupt annotations (spec.disruptionBudget.doNotDisrupt)', () => {
  it('Always: every new pod carries both autoscalers\' annotations; Never: none', () => {
    const always = buildPod({ dp: policy('Always'), name: 'cache-0', specHash: 'h', defaultImage: 'img:1' });
    assert.equal(always.metadata?.annotations?.[KARPENTER_DO_NOT_DISRUPT], 'true');
    assert.equal(always.metadata?.annotations?.[CLUSTER_AUTOSCALER_SAFE_TO_EVICT], 'false');
    const never = buildPod({ dp: policy('Never'), name: 'cache-0', specHash: 'h', defaultImage: 'img:1' });
    assert.equal(never.metadata?.annotations?.[KARPENTER_DO_NOT_DISRUPT], undefined);
  });

  it('WhenBusy: protects a replica while it holds more than cores.min cores, and lets it go after', () => {
    const dp = policy('WhenBusy');
    assert.equal(protectionPatch(dp, pod({ 'ix.dev/cpus': '4-5' })), undefined, 'at cores.min: nothing to set');
    assert.deepEqual(protectionPatch(dp, pod({ 'ix.dev/cpus': '4-6' })), PROTECTED, 'grown to 3 cores');
    assert.equal(protectionPatch(dp, pod({ 'ix.dev/cpus': '4-6', ...PROTECTED })), undefined, 'already protected');
    assert.deepEqual(protectionPatch(dp, pod({ 'ix.dev/cpus': '4-5', ...PROTECTED })),
      { [KARPENTER_DO_NOT_DISRUPT]: null, [CLUSTER_AUTOSCALER_SAFE_TO_EVICT]: null }, 'shrunk back: both removed');
    assert.equal(protectionPatch(dp, pod({})), undefined, 'a pod not placed yet holds cores.min');
  });

  it('a policy changed to Never takes the annotations off running pods', () => {
    assert.deepEqual(protectionPatch(policy('Never'), pod({ 'ix.dev/cpus': '4-7', ...PROTECTED })),
      { [KARPENTER_DO_NOT_DISRUPT]: null, [CLUSTER_AUTOSCALER_SAFE_TO_EVICT]: null });
    assert.deepEqual(protectionPatch(policy('Always'), pod({ 'ix.dev/cpus': '4-5' })), PROTECTED);
  });
});
