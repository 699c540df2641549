import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { planCpusets } from '../../../src/agent/plan.ts';

function pod(name: string, opts: { cpus?: string; dataplane?: boolean; phase?: string; mirror?: string } = {}): V1Pod {
  const annotations: Record<string, string> = {};
  if (opts.cpus !== undefined) annotations['ix.dev/cpus'] = opts.cpus;
  if (opts.mirror) annotations['kubernetes.io/config.mirror'] = opts.mirror;
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: opts.dataplane ? { 'ix.dev/dataplane': 'dp' } : {}, annotations },
    status: { phase: opts.phase ?? 'Running', qosClass: opts.dataplane ? 'Guaranteed' : 'BestEffort' },
  };
}

describe('planCpusets', () => {
  it('gives dataplane pods their annotated CPUs and everyone else the rest', () => {
    const plan = planCpusets([pod('web'), pod('dp-1', { dataplane: true, cpus: '2-3' }), pod('dp-2', { dataplane: true, cpus: '5' })], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(plan.shared, [0, 1, 4, 6, 7]);
    assert.deepEqual(plan.union, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(plan.targets.map((t) => [t.key, t.cpus, t.dataplane, t.qos]), [
      ['ns/dp-1', [2, 3], true, 'Guaranteed'], ['ns/dp-2', [5], true, 'Guaranteed'], ['ns/web', [0, 1, 4, 6, 7], false, 'BestEffort'],
    ]);
    assert.deepEqual(plan.problems, []);
  });

  it('reports, and does not apply, a missing or malformed annotation, offline CPUs and a CPU claimed twice', () => {
    const plan = planCpusets([
      pod('a', { dataplane: true }), pod('b', { dataplane: true, cpus: '1-' }), pod('c', { dataplane: true, cpus: '9' }),
      pod('d', { dataplane: true, cpus: '1-2' }), pod('e', { dataplane: true, cpus: '2' }),
    ], [0, 1, 2, 3]);
    assert.deepEqual(plan.targets.map((t) => t.key), ['ns/d']);
    assert.deepEqual(plan.problems.map((p) => [p.key, p.message]), [
      ['ns/a', 'dataplane pod has no ix.dev/cpus annotation: its CPUs are left as they are'],
      ['ns/b', 'ix.dev/cpus: invalid cpuset "1-": "" is not a CPU number'],
      ['ns/c', 'ix.dev/cpus="9" names CPUs that are not online here (9)'],
      ['ns/e', 'ix.dev/cpus="2": CPUs 2 are already dedicated to ns/d; not applied'],
    ]);
  });

  it('skips finished pods, names static pods\' cgroups after their config hash, and never plans an empty shared pool', () => {
    const plan = planCpusets([pod('done', { phase: 'Succeeded' }), pod('static', { mirror: 'abc123' }), pod('dp', { dataplane: true, cpus: '0-1' })], [0, 1]);
    assert.deepEqual(plan.targets.map((t) => t.key), ['ns/dp']);
    assert.deepEqual(plan.problems.map((p) => p.key), ['ns/static']);
    assert.match(plan.problems[0]!.message, /no shared CPU is left/);
    assert.equal(planCpusets([pod('static', { mirror: 'abc123' })], [0]).targets[0]?.cgroupUid, 'abc123');
  });
});
