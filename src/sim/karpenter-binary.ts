import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/paths.ts';
import { runBuildScript } from './binaries.ts';

/** Karpenter with its kwok cloud provider, and the CRDs of the same module version. */
export interface KarpenterBinary {
  /** The controller: sigs.k8s.io/karpenter/kwok's main package. */
  binary: string;
  /** NodePool, NodeClaim, NodeOverlay and KWOKNodeClass, as the module ships them. */
  crdsDir: string;
}

const buildScript = path.join(repoRoot, 'scripts', 'build-karpenter.sh');

/** Builds (once, cached under ~/.cache/ix-operator/bin/karpenter-<version>) and returns Karpenter's kwok provider. */
export async function ensureKarpenter(opts: { onProgress?: (line: string) => void } = {}): Promise<KarpenterBinary> {
  const dir = await runBuildScript(buildScript, "Karpenter's kwok provider", opts.onProgress);
  const out = { binary: path.join(dir, 'karpenter-kwok'), crdsDir: path.join(dir, 'crds') };
  if (!fs.existsSync(out.binary)) throw new Error(`${buildScript} printed ${dir}, which has no karpenter-kwok`);
  return out;
}
