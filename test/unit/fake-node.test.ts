import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildFakeNode, podCidrFor, DEFAULT_VF_RESOURCE } from '../../src/sim/fake-node.ts';

describe('podCidrFor', () => {
  it('gives each node index its own /24 inside 127.0.0.0/8, never 127.0.0.0/24', () => {
    assert.equal(podCidrFor(0), '127.1.0.0/24');
    assert.equal(podCidrFor(255), '127.1.255.0/24');
    assert.equal(podCidrFor(256), '127.2.0.0/24');
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(podCidrFor(i));
    assert.equal(seen.size, 2000);
  });

  it('refuses indexes that would leave loopback', () => {
    assert.throws(() => podCidrFor(254 * 256), /outside/);
    assert.throws(() => podCidrFor(-1), /outside/);
    assert.throws(() => podCidrFor(1.5), /outside/);
  });
});

describe('buildFakeNode', () => {
  it('describes a node kwok adopts, with the asked capacity and VF resource', () => {
    const n = buildFakeNode({ name: 'n1', index: 3, cpus: 16, vfs: 4, vfResource: 'example.com/vf', labels: { zone: 'a' } });
    assert.equal(n.metadata?.annotations?.['kwok.x-k8s.io/node'], 'fake');
    assert.equal(n.metadata?.labels?.zone, 'a');
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'n1');
    assert.equal(n.status?.capacity?.cpu, '16');
    assert.equal(n.status?.allocatable?.['example.com/vf'], '4');
    assert.equal(n.spec?.podCIDR, '127.1.3.0/24');
  });

  it('defaults to a 64-CPU node with 16 VFs under the SR-IOV device plugin name', () => {
    const n = buildFakeNode({ name: 'n', index: 0 });
    assert.equal(n.status?.capacity?.cpu, '64');
    assert.equal(n.status?.capacity?.[DEFAULT_VF_RESOURCE], '16');
  });
});
