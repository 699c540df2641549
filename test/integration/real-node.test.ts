// A real node in the test cluster: a kubelet with containerd, runc and CNI runs the project's own
// dataplane image (built from images/dataplane.Dockerfile by scripts/build-images.sh), and the
// kernel enforces what the pod asks for. Traffic goes only to the pod's address on the bridge the
// harness made.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { waitFor } from '../../src/lib/kube.ts';
import { RealNode } from '../../src/sim/real-node.ts';
import { IMAGES, imageArchives } from '../../src/sim/images.ts';
import { useTestCluster } from '../helpers/cluster.ts';
import { Client } from '../dataplane/client.ts';
import { containerPid, cpuQuota } from '../helpers/container-cgroups.ts';

const t = await useTestCluster('real-node');
let node: RealNode;

before(async () => {
  node = await RealNode.start(t.cluster, { images: imageArchives(['pause', 'dataplane']), log: (l) => console.error(`[real-node] ${l}`) });
});
after(async () => {
  await node?.stop();
});

describe('a real node beside the kwok nodes', () => {
  it('registers as a Ready node that kwok leaves alone, with this machine\'s CPUs', async () => {
    const n = await t.core.readNode({ name: node.name });
    assert.equal(n.metadata?.annotations?.['kwok.x-k8s.io/node'], undefined);
    assert.equal(n.status?.nodeInfo?.kubeletVersion, t.cluster.binaries.dir.match(/k8s-(v[\d.]+)/)?.[1]);
    assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
    assert.equal(n.status?.capacity?.cpu, String((await import('node:os')).availableParallelism()));
  });

  it('runs the project\'s dataplane image: a memcached server on the pod\'s address, under the CPU quota its limits ask for', async () => {
    const pod: k8s.V1Pod = {
      metadata: { name: 'dataplane-image', namespace: t.namespace },
      spec: {
        nodeName: node.name,
        containers: [{
          name: 'dataplane',
          image: IMAGES.dataplane,
          imagePullPolicy: 'Never',
          args: ['run', '--listen', '0.0.0.0', '--port', '11211', '--control-port', '9121', '-t', '1', '-m', '64'],
          resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } },
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        }],
      },
    };
    await t.core.createNamespacedPod({ namespace: t.namespace, body: pod });
    const running = await waitFor('the dataplane pod to run on the real node', async () => {
      const p = await t.core.readNamespacedPod({ name: 'dataplane-image', namespace: t.namespace });
      const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && /Err|BackOff|Invalid/.test(waiting.reason)) throw new Error(`${waiting.reason}: ${waiting.message}`);
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 120_000, 500);
    const ip = running.status!.podIP!;
    assert.ok(ip.startsWith(node.nodeIp.replace(/\.1$/, '.')), `pod IP ${ip} on the harness's bridge`);
    const reply = await waitFor('the dataplane to answer on the pod IP', () => Client.exchange(11211, ip, 'set k 0 0 2\r\nhi\r\nget k\r\nversion\r\n', /VERSION [^\r]*\r\n/).catch(() => undefined), 60_000, 500);
    assert.match(reply, /^STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\nVERSION /);

    // The kernel's view: the container's processes run as the image's numeric user, under the CFS
    // quota of one CPU (period 100 ms) the kubelet derived from the limit.
    const pid = containerPid(node, running.status!.containerStatuses![0]!.containerID!);
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+65532\s/m);
    assert.deepEqual(cpuQuota(pid), { quotaUs: 100_000, periodUs: 100_000 });
    await t.core.deleteNamespacedPod({ name: 'dataplane-image', namespace: t.namespace, gracePeriodSeconds: 0 });
  });
});
