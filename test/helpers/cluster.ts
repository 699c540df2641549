import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SimCluster, type SimClusterOptions } from '../../src/sim/cluster.ts';
import { loadKubeConfig, waitFor } from '../../src/lib/kube.ts';

export interface TestCluster {
  kubeConfig: k8s.KubeConfig;
  kubeconfigPath: string;
  /** A namespace of this test file's own, deleted when the file ends. */
  namespace: string;
  /** The simulated cluster (shared, or this file's own when it runs alone): add fake nodes with it. */
  cluster: SimCluster;
  binDir: string;
  core: k8s.CoreV1Api;
  /** Runs the kubectl we built (matching the server's version) against this cluster. Blocks the process: for quick calls only. */
  kubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string };
  /** The same without blocking: for calls that wait (an operator in this process must keep running meanwhile). */
  kubectlAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }>;
  /**
   * Runs `fn` when the file ends, before the namespace (and an own cluster) is deleted, the last
   * registered first: what talks to the cluster must stop while it still answers. (A top-level
   * after() of the file would run after this helper's own.)
   */
  onCleanup(fn: () => Promise<void> | void): void;
}

/**
 * Gives the calling test file a cluster: the shared one the test runner started (IX_TEST_KUBECONFIG),
 * or, when the file is run alone or asks for `ownCluster`, a fresh one of its own. Either way a new namespace is created and
 * removed when the file's tests end. Call it at the top level of the test file (top-level await),
 * so the clean-up hook belongs to the file and not to a hook.
 */
export async function useTestCluster(prefix: string, opts: { ownCluster?: Omit<SimClusterOptions, 'name'> } = {}): Promise<TestCluster> {
  // A file that changes the whole cluster (an autoscaler acts on every pending pod) asks for its own.
  const shared = opts.ownCluster ? undefined : process.env.IX_TEST_CLUSTER;
  const cluster = shared ? await SimCluster.open(shared) : await SimCluster.create({ ...opts.ownCluster, name: `ix-test-${process.pid}` });
  const ownCluster = !shared;
  const kubeconfigPath = cluster.kubeconfigPath;
  const binDir = cluster.binaries.dir;
  const kubeConfig = loadKubeConfig(kubeconfigPath);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'ix.dev/test': prefix } } } });
  // The ServiceAccount admission plugin refuses pods until the namespace's default account exists.
  await waitFor(`service account default in ${namespace}`, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace });
    return true;
  });
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    if (ownCluster) await cluster.delete();
  });
  const kubectlBin = path.join(binDir, 'kubectl');
  return {
    kubeConfig, kubeconfigPath, namespace, cluster, binDir, core,
    onCleanup: (fn) => void cleanups.push(fn),
    kubectl(args, input) {
      const r = spawnSync(kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], { input, encoding: 'utf8' });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    kubectlAsync(args) {
      return new Promise((resolve) => {
        const child = spawn(kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
      });
    },
  };
}
