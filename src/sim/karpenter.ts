// Karpenter with its kwok cloud provider, run against a simulated cluster as a local process (the
// same controller a cluster runs in a Deployment): it reads the cluster's pending pods, launches
// kwok nodes of the instance types it is given, and consolidates nodes that are empty or underused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ClusterHandle } from './cluster-handle.ts';
import { ensureKarpenter } from './karpenter-binary.ts';
import { DEFAULT_INSTANCE_TYPES, NODE_CLASS_NAME, NODE_POOL_NAME, instanceTypesFile, nodeClass, nodeClassReadyStatus, nodePool, type InstanceTypeShape, type NodePoolOptions } from './karpenter-resources.ts';
import { daemonLogTail, daemonPid, spawnDaemon, stopDaemon } from './daemon.ts';
import { freePorts } from '../lib/net.ts';
import { waitFor } from '../lib/kube.ts';

export interface KarpenterOptions extends NodePoolOptions {
  /** The extended resource the VFs are advertised under (the Dataplanes' network.resourceName). */
  vfResource: string;
  instanceTypes?: readonly InstanceTypeShape[];
  log?: (line: string) => void;
}

const CRDS = ['nodepools.karpenter.sh', 'nodeclaims.karpenter.sh', 'nodeoverlays.karpenter.sh', 'kwoknodeclasses.karpenter.kwok.sh'];
const WHAT = 'karpenter';

export class Karpenter {
  private constructor(readonly cluster: ClusterHandle, readonly dir: string) {}

  static dirOf(cluster: ClusterHandle): string {
    return path.join(cluster.dir, 'karpenter');
  }

  /** The Karpenter started earlier for this cluster (by another process), if it runs. */
  static find(cluster: ClusterHandle): Karpenter | undefined {
    const dir = Karpenter.dirOf(cluster);
    return daemonPid(dir, WHAT) ? new Karpenter(cluster, dir) : undefined;
  }

  /**
   * Installs the CRDs, starts the controller and gives it a KWOKNodeClass and a NodePool; resolves
   * when the NodePool is Ready (Karpenter launches nothing for a pool that is not).
   */
  static async start(cluster: ClusterHandle, opts: KarpenterOptions): Promise<Karpenter> {
    const log = opts.log ?? (() => {});
    const bin = await ensureKarpenter({ onProgress: log });
    const dir = Karpenter.dirOf(cluster);
    fs.mkdirSync(dir, { recursive: true });
    const kc = cluster.kubeConfig;
    log('installing the Karpenter CRDs (NodePool, NodeClaim, NodeOverlay, KWOKNodeClass)');
    kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '-f', bin.crdsDir]);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const name of CRDS) {
      await waitFor(`CRD ${name} to be established`, async () => {
        const crd = await ext.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
    }
    const typesFile = path.join(dir, 'instance-types.json');
    fs.writeFileSync(typesFile, JSON.stringify(instanceTypesFile(opts.instanceTypes ?? DEFAULT_INSTANCE_TYPES, opts.vfResource), null, 1));
    const [metricsPort, healthPort] = await freePorts(2);
    log(`starting Karpenter (kwok provider), its log in ${path.join(dir, `${WHAT}.log`)}`);
    spawnDaemon({
      dir, what: WHAT, file: bin.binary, args: [],
      env: {
        ...process.env,
        KUBECONFIG: cluster.kubeconfigPath,
        INSTANCE_TYPES_FILE_PATH: typesFile,
        // One controller per simulated cluster: no lease to wait for.
        DISABLE_LEADER_ELECTION: 'true',
        METRICS_PORT: String(metricsPort),
        HEALTH_PROBE_PORT: String(healthPort),
        SYSTEM_NAMESPACE: 'kube-system',
        LOG_LEVEL: 'debug',
      },
    });
    const karpenter = new Karpenter(cluster, dir);
    try {
      await waitFor('Karpenter to answer /readyz', async () => {
        if (!daemonPid(dir, WHAT)) throw new Error(`Karpenter exited; the end of its log:\n${daemonLogTail(dir, WHAT)}`);
        return (await httpStatus(`http://127.0.0.1:${healthPort}/readyz`)) === 200 ? true : undefined;
      }, 60_000, 250);
      await karpenter.applyPool(opts);
    } catch (e) {
      await karpenter.stop();
      throw e;
    }
    return karpenter;
  }

  private async applyPool(opts: NodePoolOptions): Promise<void> {
    const custom = this.cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    kubectl(this.cluster, ['apply', '--server-side', '-f', '-'], JSON.stringify(nodeClass()));
    const cls = (await custom.getClusterCustomObject({ group: 'karpenter.kwok.sh', version: 'v1alpha1', plural: 'kwoknodeclasses', name: NODE_CLASS_NAME })) as { metadata: { generation?: number } };
    await custom.patchClusterCustomObjectStatus({
      group: 'karpenter.kwok.sh', version: 'v1alpha1', plural: 'kwoknodeclasses', name: NODE_CLASS_NAME,
      body: { status: nodeClassReadyStatus(cls.metadata.generation ?? 1, new Date()) },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    kubectl(this.cluster, ['apply', '--server-side', '-f', '-'], JSON.stringify(nodePool(opts)));
    await waitFor(`NodePool ${NODE_POOL_NAME} to be Ready`, async () => {
      const pool = (await custom.getClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools', name: NODE_POOL_NAME })) as { status?: { conditions?: { type: string; status: string }[] } };
      return pool.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, 60_000, 250);
  }

  /** The end of Karpenter's log, for a failure message. */
  logTail(lines = 40): string {
    return daemonLogTail(this.dir, WHAT, lines);
  }

  async stop(): Promise<void> {
    await stopDaemon(this.dir, WHAT);
  }
}

function kubectl(cluster: ClusterHandle, args: string[], input?: string): string {
  const r = spawnSync(cluster.binaries.kubectl, ['--kubeconfig', cluster.kubeconfigPath, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}
