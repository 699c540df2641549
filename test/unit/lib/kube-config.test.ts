// The operator's KubeConfig (src/lib/kube.ts): TLS files read once per context, not per request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig } from '../../../src/lib/kube.ts';

function kubeconfigWithFiles(dir: string): string {
  for (const f of ['ca.crt', 'client.crt', 'client.key']) fs.writeFileSync(path.join(dir, f), `${f} contents\n`);
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(file, `apiVersion: v1
kind: Config
current-context: c
clusters: [{ name: k, cluster: { server: 'https://127.0.0.1:1', certificate-authority: ${dir}/ca.crt } }]
users: [{ name: u, user: { client-certificate: ${dir}/client.crt, client-key: ${dir}/client.key, as: someone } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
  return file;
}

describe('the operator\'s KubeConfig', () => {
  it('reads the CA, certificate and key files once per context and gives every request the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-kubeconfig-'));
    try {
      const kc = loadKubeConfig(kubeconfigWithFiles(dir));
      const first: Record<string, unknown> = {};
      await kc.applyToHTTPSOptions(first);
      assert.equal(String(first.ca), 'ca.crt contents\n');
      assert.equal(String(first.cert), 'client.crt contents\n');
      assert.equal(String(first.key), 'client.key contents\n');
      assert.deepEqual(first.headers, { 'Impersonate-User': 'someone' });
      // Gone from disk: a second request still has them, so they were not read again.
      for (const f of ['ca.crt', 'client.crt', 'client.key']) fs.rmSync(path.join(dir, f));
      const second: Record<string, unknown> = { headers: { 'X-Other': '1' } };
      await kc.applyToHTTPSOptions(second);
      assert.equal(String(second.cert), 'client.crt contents\n');
      assert.deepEqual(second.headers, { 'X-Other': '1', 'Impersonate-User': 'someone' }, 'its own headers kept, the kubeconfig\'s added');
      assert.notEqual(second.headers, first.headers, 'each request gets its own headers object');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
