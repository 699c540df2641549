import type { TestCluster } from './cluster.ts';

/** Applies crds/ (and the NetworkAttachmentDefinition CRD) as a user would, idempotently, and waits until they are served. */
export async function installCrds(tc: TestCluster): Promise<void> {
  await tc.cluster.installCrds();
}
