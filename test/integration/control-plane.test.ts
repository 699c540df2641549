// Proves the test harness is a real Kubernetes control plane: real version, real CRD validation,
// kwok nodes that become Ready, and pods that get scheduled, bound and Running on them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { controlPlaneVersions } from '../../src/sim/versions.ts';
import { apiErrorMessage, httpStatusOf, waitFor } from '../../src/lib/kube.ts';

const tc: TestCluster = await useTestCluster('harness');

describe('the simulated control plane', () => {
  it('answers kubectl version with the Kubernetes version we built', () => {
    const r = tc.kubectl(['version', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string; minor: string } };
    const want = controlPlaneVersions().kubernetes;
    assert.equal(v.serverVersion.gitVersion, want);
    assert.equal(v.clientVersion.gitVersion, want);
    assert.equal(v.serverVersion.minor, want.split('.')[1]);
  });

  it('serves a CRD whose objects round-trip and whose schema rejects a bad object', async () => {
    const ext = tc.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    const group = `${tc.namespace}.harness.ix.dev`;
    const crdName = `widgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{
            name: 'v1', served: true, storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object', required: ['size'],
                    properties: { size: { type: 'integer', minimum: 1, maximum: 8 }, colour: { type: 'string', _enum: ['red', 'blue'] } },
                    x_kubernetes_validations: [{ rule: "self.size < 4 || self.colour == 'red'", message: 'big widgets must be red' }],
                  },
                },
              },
            },
          }],
        },
      },
    });
    try {
      await waitFor('the CRD to be established', async () => {
        const crd = await ext.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
      const objects = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
      const base = { group, version: 'v1', namespace: tc.namespace, plural: 'widgets' };
      const good = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'ok' }, spec: { size: 5, colour: 'red' } };
      // The first writes after Established may still race the API server's discovery: retry them.
      await waitFor('the widget to be created', async () => (await objects.createNamespacedCustomObject({ ...base, body: good }), true), 20_000);
      const got = (await objects.getNamespacedCustomObject({ ...base, name: 'ok' })) as typeof good;
      assert.deepEqual(got.spec, good.spec);

      const bad: [object, RegExp][] = [
        [{ spec: { size: 0 } }, /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/],
        [{ spec: {} }, /spec\.size: Required value/],
        [{ spec: { size: 2, colour: 'green' } }, /spec\.colour: Unsupported value: "green"/],
        [{ spec: { size: 5, colour: 'blue' } }, /big widgets must be red/],
      ];
      for (const [i, [partial, message]] of bad.entries()) {
        const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: `bad-${i}` }, ...partial };
        const err = await objects.createNamespacedCustomObject({ ...base, body }).then(() => undefined, (e: unknown) => e);
        assert.ok(err, `object ${JSON.stringify(partial)} was accepted`);
        assert.equal(httpStatusOf(err), 422);
        assert.match(apiErrorMessage(err), message);
      }
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName });
    }
  });

  it('creates kwok nodes that become Ready with the capacity they were given', async () => {
    const [name] = await tc.cluster.addNodes(1, { cpus: 32, vfs: 8, hugepages1Gi: '8Gi' });
    assert.ok(name);
    await tc.cluster.waitForNodesReady([name]);
    const node = await tc.core.readNode({ name });
    assert.equal(node.status?.allocatable?.cpu, '32');
    assert.equal(node.status?.allocatable?.['intel.com/sriov_netdevice'], '8');
    assert.equal(node.status?.allocatable?.['hugepages-1Gi'], '8Gi');
    assert.match(node.spec?.podCIDR ?? '', /^127\.\d+\.\d+\.0\/24$/);
  });

  it('schedules a pod onto a kwok node, where it runs with an IP from the node pod CIDR', async () => {
    const [nodeName] = await tc.cluster.addNodes(1);
    assert.ok(nodeName);
    await tc.cluster.waitForNodesReady([nodeName]);
    await tc.core.createNamespacedPod({
      namespace: tc.namespace,
      body: {
        metadata: { name: 'sleeper' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': nodeName },
          containers: [{
            name: 'main', image: 'registry.invalid/sleeper:1',
            resources: { requests: { cpu: '2', memory: '1Gi', 'intel.com/sriov_netdevice': '1' }, limits: { cpu: '2', memory: '1Gi', 'intel.com/sriov_netdevice': '1' } },
          }],
        },
      },
    });
    const pod = await waitFor('the pod to be Running', async () => {
      const p = await tc.core.readNamespacedPod({ name: 'sleeper', namespace: tc.namespace });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.equal(pod.spec?.nodeName, nodeName, 'kube-scheduler bound the pod to the selected node');
    const node = await tc.core.readNode({ name: nodeName });
    const cidrPrefix = (node.spec?.podCIDR ?? '').replace(/\.0\/24$/, '.');
    assert.ok(pod.status?.podIP?.startsWith(cidrPrefix), `pod IP ${pod.status?.podIP} is outside the node's ${node.spec?.podCIDR}`);
    assert.ok(pod.status?.podIP?.startsWith('127.'));
    assert.equal(pod.status?.qosClass, 'Guaranteed');
  });
});
