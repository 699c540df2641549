// Bearer tokens of the dataplanes' control API (PUT /v1/cores). Each Dataplane's token is an HMAC of
// its UID under one key of the operator's, so the operator can always compute a token it needs
// without reading any Secret but its own key: the per-Dataplane Secrets (which the pods mount) are
// only ever created, and the operator keeps no right to read Secrets cluster-wide (ADR 0009).
import * as k8s from '@kubernetes/client-node';
import { createHmac, randomBytes } from 'node:crypto';
import { httpStatusOf } from '../lib/kube.ts';
import { FIELD_MANAGER } from '../api/constants.ts';

export function controlToken(key: Buffer, dataplaneUid: string): string {
  return createHmac('sha256', key).update(`ix.dev/control-token/${dataplaneUid}`).digest('hex');
}

/**
 * The operator's token key, kept in a Secret of its own namespace: read it, or create it on the
 * first start (two replicas starting together: the loser of the create reads the winner's).
 */
export async function loadTokenKey(kc: k8s.KubeConfig, namespace: string, name: string): Promise<Buffer> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const read = async (): Promise<Buffer | undefined> => {
    try {
      const s = await core.readNamespacedSecret({ namespace, name });
      const b64 = s.data?.key;
      if (!b64) throw new Error(`Secret ${namespace}/${name} has no data.key: delete it and the operator makes a new one (the dataplanes' tokens change with it)`);
      return Buffer.from(b64, 'base64');
    } catch (e) {
      if (httpStatusOf(e) === 404) return undefined;
      throw e;
    }
  };
  const existing = await read();
  if (existing) return existing;
  try {
    await core.createNamespacedSecret({
      namespace, fieldManager: FIELD_MANAGER,
      body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'ix-operator' } }, type: 'Opaque', data: { key: randomBytes(32).toString('base64') } },
    });
  } catch (e) {
    if (httpStatusOf(e) === 404) {
      throw new Error(`namespace ${namespace} does not exist: create it, or pass --lease-namespace with one that does (the operator keeps its Lease and its token key Secret there)`);
    }
    if (httpStatusOf(e) !== 409) throw e;
  }
  const created = await read();
  if (!created) throw new Error(`Secret ${namespace}/${name} vanished right after it was created`);
  return created;
}
