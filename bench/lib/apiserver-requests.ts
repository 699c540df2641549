// What the apiserver itself counted: its requests by verb and resource (from its /metrics), and,
// on request, a CPU profile of it (/debug/pprof, on by default). A bench reading only its own
// client's counters misses the writes its objects cause in other controllers (EndpointSlices for a
// Service, a PodDisruptionBudget's status, the kubelet's or kwok's pod status).
import fs from 'node:fs';
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

/** GET of a path on the apiserver of the kubeconfig's current context, with its credentials. */
async function apiserverGet(kc: k8s.KubeConfig, path: string, timeoutMs = 30_000): Promise<Buffer> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = { hostname: server.hostname, port: server.port, path, method: 'GET', timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE']);

/** apiserver_request_total of the mutating verbs, summed by "VERB resource[/subresource]". */
async function writeCounts(kc: k8s.KubeConfig): Promise<Map<string, number>> {
  const text = (await apiserverGet(kc, '/metrics')).toString('utf8');
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const verb = label('verb');
    if (!MUTATING.has(verb)) continue;
    const sub = label('subresource');
    const key = `${verb} ${label('resource')}${sub ? `/${sub}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return counts;
}

/** The writes the apiserver serves from now until done() is called, by verb and resource, most first. */
export async function countWrites(kc: k8s.KubeConfig): Promise<{ done: () => Promise<[string, number][]> }> {
  const before = await writeCounts(kc);
  return {
    done: async () => {
      const after = await writeCounts(kc);
      return [...after].map(([k, n]): [string, number] => [k, n - (before.get(k) ?? 0)]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    },
  };
}

/** Writes a pprof CPU profile of the apiserver over the next `seconds` to `file` (read it with `go tool pprof -top`). */
export async function profileApiserver(kc: k8s.KubeConfig, seconds: number, file: string): Promise<void> {
  fs.writeFileSync(file, await apiserverGet(kc, `/debug/pprof/profile?seconds=${seconds}`, (seconds + 30) * 1000));
}
