import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import type { TestCluster } from './cluster.ts';

/** Applies crds/ as a user would (server-side apply; idempotent) and waits until they are served. */
export async function installCrds(tc: TestCluster): Promise<void> {
  const r = tc.kubectl(['apply', '--server-side', '--force-conflicts', '-f', path.join(repoRoot, 'crds')]);
  if (r.status !== 0) throw new Error(`applying crds/ failed: ${r.stderr}`);
  const ext = tc.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of ['dataplanes.ix.dev', 'dataplanenodes.ix.dev']) {
    await waitFor(`CRD ${name} to be established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  // Discovery of a new group lags Established by a moment.
  await waitFor('ix.dev resources in discovery', async () => (tc.kubectl(['get', 'dataplanes', '-n', tc.namespace]).status === 0 ? true : undefined), 20_000);
}
