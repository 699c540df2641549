import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/paths.ts';

export interface ControlPlaneVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  helm: string;
}

/** The versions build-k8s-binaries.sh builds: scripts/k8s-versions.env, overridden by the environment. */
export function controlPlaneVersions(): ControlPlaneVersions {
  const file = fs.readFileSync(path.join(repoRoot, 'scripts', 'k8s-versions.env'), 'utf8');
  const vars: Record<string, string> = {};
  for (const line of file.split('\n')) {
    const m = /^(IX_[A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m) vars[m[1]!] = process.env[m[1]!] || m[2]!;
  }
  const need = (k: string) => vars[k] ?? (() => { throw new Error(`${k} missing from scripts/k8s-versions.env`); })();
  return { kubernetes: need('IX_K8S_VERSION'), etcd: need('IX_ETCD_VERSION'), kwok: need('IX_KWOK_VERSION'), helm: need('IX_HELM_VERSION') };
}
