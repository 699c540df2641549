import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../lib/paths.ts';
import { waitFor } from '../lib/kube.ts';

/** CRDs in crds/ plus, for VF pinning, the NetworkAttachmentDefinition CRD Multus would install. */
export const CRD_DIRS = [path.join(repoRoot, 'crds'), path.join(repoRoot, 'test', 'fixtures', 'crds')];

/** Applies the CRDs with the given kubectl (server-side; idempotent) and waits until they are served. */
export async function installCrds(kubectl: string, kubeconfigPath: string, kc: k8s.KubeConfig): Promise<void> {
  for (const dir of CRD_DIRS) {
    const r = spawnSync(kubectl, ['--kubeconfig', kubeconfigPath, 'apply', '--server-side', '--force-conflicts', '-f', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`applying ${dir} failed: ${r.stderr}`);
  }
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of ['dataplanes.ix.dev', 'dataplanenodes.ix.dev', 'network-attachment-definitions.k8s.cni.cncf.io']) {
    await waitFor(`CRD ${name} to be established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  // Discovery of a new group lags Established by a moment.
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  // Each resource's list answers 429 "storage is (re)initializing" until its watch cache is up
  // (kube-apiserver 1.36): wait for both, or an operator started next fails its first list.
  for (const plural of ['dataplanenodes', 'dataplanes']) {
    await waitFor(`ix.dev ${plural} served`, async () => (await custom.listClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural }), true), 20_000);
  }
}
