// The forms memcached clients take a Dataplane's server list in, from its status (pure).
import type { Dataplane } from '../api/dataplane.ts';

export const ENDPOINT_FORMATS = ['list', 'lines', 'mcrouter', 'json'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];
export const ENDPOINT_HOSTS = ['auto', 'ip'] as const;
export type EndpointHosts = (typeof ENDPOINT_HOSTS)[number];

/**
 * host:port of the ready replicas in ordinal order. `auto` is status.servers (the VF address with
 * SR-IOV, else the stable DNS name); `ip` is each ready replica's pod IP, for clients outside the
 * cluster's DNS.
 */
export function endpointsOf(dp: Dataplane, hosts: EndpointHosts): string[] {
  if (hosts === 'auto') return [...(dp.status?.servers ?? [])];
  const port = dp.spec.port;
  const ordinal = (p: { ordinal?: number }) => p.ordinal ?? Number.MAX_SAFE_INTEGER;
  return (dp.status?.pods ?? [])
    .filter((p) => p.ready && p.podIP)
    .sort((a, b) => ordinal(a) - ordinal(b) || a.name.localeCompare(b.name))
    .map((p) => `${p.podIP!.includes(':') ? `[${p.podIP}]` : p.podIP}:${port}`);
}

/** An mcrouter configuration with one pool of the replicas (ch3 hashing by position: order matters). */
export function mcrouterConfig(pool: string, servers: readonly string[]): Record<string, unknown> {
  return { pools: { [pool]: { servers: [...servers] } }, route: `PoolRoute|${pool}` };
}

export function formatEndpoints(dp: Dataplane, servers: readonly string[], format: EndpointFormat): string {
  switch (format) {
    // libmemcached's --servers / MEMCACHED_SERVERS, gomemcache's and pymemcache's lists.
    case 'list': return `${servers.join(',')}\n`;
    case 'lines': return servers.map((s) => `${s}\n`).join('');
    case 'mcrouter': return `${JSON.stringify(mcrouterConfig(`${dp.metadata.namespace}-${dp.metadata.name}`, servers), null, 2)}\n`;
    case 'json': return `${JSON.stringify({ dataplane: `${dp.metadata.namespace}/${dp.metadata.name}`, ready: servers.length, replicas: dp.spec.replicas, servers }, null, 2)}\n`;
  }
}
