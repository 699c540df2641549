// The project's images as scripts/build-images.sh leaves them: OCI archives for a node's containerd
// (`ctr images import`), built from images/*.Dockerfile without a registry (docs/adr/0015).
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, repoRoot } from '../lib/paths.ts';

const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The image names the README tells users to build, which the chart and the operator default to. */
export const IMAGES = {
  operator: `ghcr.io/ix-operator/ix-operator:${version}`,
  dataplane: `ghcr.io/ix-operator/ix-dataplane:${version}`,
  pause: 'ix.local/pause:1',
} as const;

export type ImageName = keyof typeof IMAGES;

/** Paths of the built archives; a missing one is an error that says how to build it. */
export function imageArchives(names: readonly ImageName[] = ['pause', 'operator', 'dataplane']): string[] {
  const dir = path.join(cacheDir(), 'images', 'archives');
  return names.map((n) => {
    const file = path.join(dir, `${n}.oci.tar`);
    if (!fs.existsSync(file)) throw new Error(`the ${n} image is not built (${file} is missing): run npm run setup:test, or bash scripts/build-images.sh`);
    return file;
  });
}
