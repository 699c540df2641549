// The dataplane pods' seccomp profile on a real node (ADR 0020): the node agent writes it to the
// kubelet's seccomp directory before it publishes the node's inventory, and a pod with the
// operator's security context (Localhost profile, uid 65532, no capabilities) starts under it, with
// io_uring allowed and a system call outside the runtime's default refused. A probe built static
// (test/fixtures/seccomp/probe.c) runs in the pod from a hostPath, so it needs nothing of the image;
// the same probe on this machine, outside any profile, shows that the refusal is the profile's.
// Run under flock /tmp/ix-real-node.lock: one real node at a time (bridge ixbr0).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { NodeAgent } from '../../src/agent/agent.ts';
import { dataplaneSeccompProfile, seccompProfilePath } from '../../src/agent/seccomp/install.ts';
import { buildPod } from '../../src/operator/dataplane/pod-builder.ts';
import { RealNode } from '../../src/sim/real-node.ts';
import { IMAGES, imageArchives } from '../../src/sim/images.ts';
import { compileC } from '../../bench/lib/compile-c.ts';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { dataplane } from '../unit/operator/fixtures.ts';
import { Client } from '../dataplane/client.ts';

const t = await useTestCluster('seccomp');
await installCrds(t);
let node: RealNode;
// The pod's user (65532) must reach the probe: a directory of its own, not the build cache in root's home.
const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-seccomp-probe-'));
const probe = path.join(probeDir, 'probe');
fs.copyFileSync(compileC(path.join(import.meta.dirname, '..', 'fixtures', 'seccomp', 'probe.c'), { flags: ['-static'] }), probe);
fs.chmodSync(probeDir, 0o755);
fs.chmodSync(probe, 0o755);
// The kubelet of a real node runs with --root-dir <node dir>/kubelet (src/sim/real-node.ts).
const kubeletRoot = () => path.join(node.dir, 'kubelet');

before(async () => {
  node = await RealNode.start(t.cluster, { images: imageArchives(['pause', 'dataplane']) });
});
after(async () => {
  await node?.stop();
  fs.rmSync(probeDir, { recursive: true, force: true });
});

/** A pod running the probe once, with the security context the operator gives dataplane pods. */
function probePod(name: string, localhostProfile?: string): k8s.V1Pod {
  const built = buildPod({ dp: dataplane(), name, specHash: 'h', defaultImage: IMAGES.pause });
  const podSecurity = { ...built.spec!.securityContext! };
  if (localhostProfile) podSecurity.seccompProfile = { type: 'Localhost', localhostProfile };
  return {
    metadata: { name, namespace: t.namespace },
    spec: {
      nodeName: node.name,
      restartPolicy: 'Never',
      securityContext: podSecurity,
      containers: [{
        name: 'probe',
        image: IMAGES.pause,
        imagePullPolicy: 'Never',
        command: ['/probe/probe'],
        securityContext: built.spec!.containers[0]!.securityContext,
        volumeMounts: [{ name: 'probe', mountPath: '/probe', readOnly: true }],
      }],
      volumes: [{ name: 'probe', hostPath: { path: path.dirname(probe), type: 'Directory' } }],
    },
  };
}

/** What the container wrote, from the kubelet's log file (CRI format: time stream tag text). */
function containerOutput(pod: k8s.V1Pod, container = 'probe'): string {
  const dir = path.join(node.dir, 'pod-logs', `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`, container);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('')
    .split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' ')).join('\n');
}

describe('the dataplane seccomp profile on a real node', () => {
  it('is written by the node agent before it publishes the node\'s inventory, and no inventory is published when it cannot be', async () => {
    const custom = t.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const published = () => custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: node.name }).then(() => true, () => false);
    const agent = (root: string) => new NodeAgent({
      kubeConfig: loadKubeConfig(t.kubeconfigPath), nodeName: node.name, sysfsRoot: '/sys', cgroupRoot: '/sys/fs/cgroup', procRoot: '/proc',
      kubeletRoot: root, vfChannels: false, resyncSeconds: 60, dryRun: false, enforce: false, log,
    });
    assert.equal(fs.existsSync(seccompProfilePath(kubeletRoot())), false, 'a new node has no profile');

    // A kubelet root the agent cannot write the profile under: it stops before the inventory.
    const wrong = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-kubelet-'));
    fs.writeFileSync(path.join(wrong, 'seccomp'), '');
    try {
      await assert.rejects(agent(wrong).start(), /ENOTDIR|EEXIST/);
      assert.equal(await published(), false, 'no DataplaneNode without the profile: no dataplane pod can be placed here');
    } finally {
      fs.rmSync(wrong, { recursive: true, force: true });
    }

    const a = agent(kubeletRoot());
    await a.start();
    await a.stop();
    assert.equal(await published(), true);
    assert.equal(fs.readFileSync(seccompProfilePath(kubeletRoot()), 'utf8'), dataplaneSeccompProfile());
  });

  it('runs a dataplane pod\'s container with io_uring allowed and get_mempolicy refused, which this machine allows outside it', async () => {
    const host = spawnSync(probe, { encoding: 'utf8' });
    assert.match(host.stdout, /^io_uring_setup: ok\nio_uring_enter: ok\nget_mempolicy: ok\nSeccomp:\s+0\n$/, 'outside any profile both are allowed here');

    const created = await t.core.createNamespacedPod({ namespace: t.namespace, body: probePod('io-uring-probe') });
    const done = await waitFor('the probe pod to finish', async () => {
      const p = await t.core.readNamespacedPod({ name: 'io-uring-probe', namespace: t.namespace });
      const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && /Err|BackOff|Invalid/.test(waiting.reason)) throw new Error(`${waiting.reason}: ${waiting.message}`);
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    }, 120_000, 500);
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status?.containerStatuses?.[0]?.state));
    const profile = done.spec?.securityContext?.seccompProfile;
    assert.deepEqual([profile?.type, profile?.localhostProfile], ['Localhost', 'ix.dev/dataplane.json']);
    // Seccomp 2: a filter is applied (the profile), and it lets io_uring through but not get_mempolicy.
    assert.equal(containerOutput(created), 'io_uring_setup: ok\nio_uring_enter: ok\nget_mempolicy: EPERM\nSeccomp:\t2');
  });

  it('runs the dataplane image under it on the io_uring engine, serving on the pod\'s address', async () => {
    const built = buildPod({ dp: dataplane(), name: 'engine', specHash: 'h', defaultImage: IMAGES.dataplane });
    const pod: k8s.V1Pod = {
      metadata: { name: 'io-uring-dataplane', namespace: t.namespace },
      spec: {
        nodeName: node.name,
        securityContext: built.spec!.securityContext,
        containers: [{
          name: 'dataplane',
          image: IMAGES.dataplane,
          imagePullPolicy: 'Never',
          args: ['run', '--engine', 'io_uring', '--listen', '0.0.0.0', '--port', '11211', '--control-port', '9121', '-t', '1', '-m', '64'],
          resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } },
          securityContext: built.spec!.containers[0]!.securityContext,
        }],
      },
    };
    const created = await t.core.createNamespacedPod({ namespace: t.namespace, body: pod });
    const running = await waitFor('the dataplane pod to run', async () => {
      const p = await t.core.readNamespacedPod({ name: 'io-uring-dataplane', namespace: t.namespace });
      const state = p.status?.containerStatuses?.[0]?.state;
      if (state?.waiting?.reason && /Err|BackOff|Invalid/.test(state.waiting.reason)) throw new Error(`${state.waiting.reason}: ${state.waiting.message}`);
      if (state?.terminated) throw new Error(`the dataplane exited ${state.terminated.exitCode}: ${containerOutput(created, 'dataplane')}`);
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 120_000, 500);
    const reply = await waitFor('the dataplane to answer on the pod IP',
      () => Client.exchange(11211, running.status!.podIP!, 'set k 0 0 2\r\nhi\r\nget k\r\n', /END\r\n$/).catch(() => undefined), 60_000, 500);
    assert.equal(reply, 'STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n');
    // Asked for io_uring, it refuses to start where it cannot have it: running is the proof; it says so too.
    assert.match(containerOutput(created, 'dataplane'), /engine io_uring/);
  });

  it('does not start a pod whose node lacks the profile it names (why the agent writes it before the node can be chosen)', async () => {
    await t.core.createNamespacedPod({ namespace: t.namespace, body: probePod('no-profile', 'ix.dev/not-installed.json') });
    const waiting = await waitFor('the kubelet to refuse the container', async () => {
      const p = await t.core.readNamespacedPod({ name: 'no-profile', namespace: t.namespace });
      assert.notEqual(p.status?.phase, 'Succeeded', 'it ran without its profile');
      const w = p.status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason && w.reason !== 'ContainerCreating' ? w : undefined;
    }, 60_000, 500);
    assert.match(`${waiting.reason}: ${waiting.message}`, /^CreateContainer(Config)?Error: .*seccomp.*not-installed\.json/s);
  });
});
