import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../lib/paths.ts';

/** The control-plane binaries a simulated cluster runs, each an absolute path. */
export interface ControlPlaneBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  kwokctl: string;
  helm: string;
  kubectl: string;
  /** The real node's kubelet (src/sim/real-node.ts), the same version as the control plane. */
  kubelet: string;
}

export class MissingPrerequisiteError extends Error {}

const buildScript = path.join(repoRoot, 'scripts', 'build-k8s-binaries.sh');

/**
 * Builds (once, cached under ~/.cache/ix-operator/bin) and returns the control-plane binaries.
 * The script holds a file lock, so concurrent callers wait for one build rather than racing.
 * A missing Go toolchain is an error with one line saying what to install: callers must fail,
 * never pass silently.
 */
export async function ensureBinaries(opts: { onProgress?: (line: string) => void } = {}): Promise<ControlPlaneBinaries> {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new MissingPrerequisiteError(
      'Go >= 1.25 is required to build the test Kubernetes control plane (etcd, kube-apiserver, kwok): install it from https://go.dev/dl and put `go` on PATH',
    );
  }
  const dir = await runBuildScript(buildScript, 'the control-plane binaries', opts.onProgress);
  const p = (name: string) => path.join(dir, name);
  return {
    dir,
    etcd: p('etcd'),
    kubeApiserver: p('kube-apiserver'),
    kubeControllerManager: p('kube-controller-manager'),
    kubeScheduler: p('kube-scheduler'),
    kwok: p('kwok'),
    kwokctl: p('kwokctl'),
    helm: p('helm'),
    kubectl: p('kubectl'),
    kubelet: p('kubelet'),
  };
}

/**
 * Runs one of the build scripts (each holds its own lock and prints its output directory last on
 * stdout) and resolves to that directory; its `[build...]` progress lines go to `onProgress`.
 */
export function runBuildScript(script: string, what: string, onProgress?: (line: string) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split('\n')) if (line.startsWith('[build')) onProgress?.(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`building ${what} failed (exit ${code}):\n${err.split('\n').slice(-30).join('\n')}`));
    });
  });
}
