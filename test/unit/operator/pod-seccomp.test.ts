import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataplane } from './fixtures.ts';
import { buildPod } from '../../../src/operator/dataplane/pod-builder.ts';

describe('buildPod seccomp', () => {
  it('runs the dataplane under the Localhost profile the node agent installs (the runtime\'s default plus io_uring), placed or not', () => {
    for (const allocation of [undefined, { node: 'n1', numa: 0, cpus: [2, 3] }]) {
      const pod = buildPod({ dp: dataplane(), name: 'cache-0', specHash: 'h', defaultImage: 'img:1', allocation });
      assert.deepEqual(pod.spec?.securityContext?.seccompProfile, { type: 'Localhost', localhostProfile: 'ix.dev/dataplane.json' });
      assert.equal(pod.spec?.containers[0]?.securityContext?.seccompProfile, undefined, 'the pod\'s profile, not overridden per container');
      assert.deepEqual(pod.spec?.containers[0]?.securityContext?.capabilities, { drop: ['ALL'] }, 'the profile is the one for a container without capabilities');
    }
  });
});
