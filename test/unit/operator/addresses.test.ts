import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { dataplane } from './fixtures.ts';
import { NETWORK_STATUS, replicaAddress, serverList, vfAddressOf } from '../../../src/operator/dataplane/addresses.ts';
import { computeStatus } from '../../../src/operator/dataplane/status.ts';
import { NETWORKS_ANNOTATION as NETWORKS } from '../../../src/operator/dataplane/names.ts';

// As Multus writes it: the default network first, then one entry per attachment.
const networkStatus = (attachment: string, vfIp: string) => JSON.stringify([
  { name: 'kindnet', interface: 'eth0', ips: ['10.244.1.7'], mac: '0a:58:0a:f4:01:07', default: true, dns: {} },
  { name: `ns/${attachment}`, interface: 'net1', ips: [vfIp], mac: '5e:1c:22:10:aa:01', dns: {}, 'device-info': { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:3b:02.1' } } },
]);

const pod = (name: string, opts: { ready?: boolean; ip?: string; annotations?: Record<string, string> } = {}): V1Pod => ({
  metadata: { name, namespace: 'ns', annotations: { 'ix.dev/spec-hash': 'h', ...opts.annotations } },
  spec: { containers: [], nodeName: 'n1' },
  status: { phase: 'Running', podIP: opts.ip ?? '10.244.1.7', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});

describe('vfAddressOf', () => {
  it('reads the VF address of the pod\'s own attachment from Multus\'s network-status', () => {
    const attached = { [NETWORKS]: 'cache-vf-0000-3b-02-1' };
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { ...attached, [NETWORK_STATUS]: networkStatus('cache-vf-0000-3b-02-1', '192.168.10.4') } })), '192.168.10.4');
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { [NETWORKS]: 'cache-0-vf', [NETWORK_STATUS]: networkStatus('cache-0-vf', '192.168.10.5') } })), '192.168.10.5', 'an attachment of the pod\'s own, as earlier versions named them');
  });

  it('finds the attachment by the pinned VF\'s PCI address too', () => {
    const status = JSON.stringify([{ name: 'ns/other-name', interface: 'net1', ips: ['fd00::4'], 'device-info': { pci: { 'pci-address': '0000:3b:02.1' } } }]);
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { [NETWORK_STATUS]: status, 'ix.dev/vf': '0000:3b:02.1' } })), 'fd00::4');
  });

  it('is undefined without the annotation, with another pod\'s attachment, or with a garbled one', () => {
    assert.equal(vfAddressOf(pod('cache-0')), undefined);
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { [NETWORKS]: 'cache-vf-0000-3b-02-1', [NETWORK_STATUS]: networkStatus('other-vf-0000-3b-02-1', '192.168.10.4') } })), undefined);
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { [NETWORK_STATUS]: '{not json' } })), undefined);
    assert.equal(vfAddressOf(pod('cache-0', { annotations: { [NETWORK_STATUS]: '{"name":"x"}' } })), undefined);
  });
});

describe('serverList', () => {
  const dp = dataplane();
  it('lists ready replicas in ordinal order: the VF address when there is one, else the stable DNS name', () => {
    const pods = [
      pod('cache-10'), pod('cache-2', { annotations: { [NETWORKS]: 'cache-vf-0000-3b-02-1', [NETWORK_STATUS]: networkStatus('cache-vf-0000-3b-02-1', 'fd00::2') } }), pod('cache-0'),
    ];
    assert.deepEqual(serverList(dp, pods), ['cache-0.cache.ns.svc:11211', '[fd00::2]:11211', 'cache-10.cache.ns.svc:11211']);
  });

  it('is what status publishes, without replicas that are not ready', () => {
    const pods = [pod('cache-1'), pod('cache-0', { ready: false, ip: '10.244.2.9' })];
    const status = computeStatus({ dp, pods, specHash: 'h', now: new Date('2026-01-01T00:00:00Z') });
    assert.deepEqual(status.servers, ['cache-1.cache.ns.svc:11211']);
    const zero = status.pods!.find((p) => p.name === 'cache-0')!;
    assert.deepEqual({ ...zero }, { ...zero, ordinal: 0, podIP: '10.244.2.9', hostname: 'cache-0.cache.ns.svc', ready: false });
    assert.deepEqual(replicaAddress(dp, pod('cache-abcde')), { name: 'cache-abcde', podIP: '10.244.1.7', hostname: 'cache-abcde.cache.ns.svc' }, 'no ordinal for a pod from before ordinals');
  });
});
