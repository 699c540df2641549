// A real consistent-hashing memcached client (node-memcached, whose HashRing places points as
// libmemcached's ketama does) over the server list a Dataplane publishes, against real dataplane
// processes on the kwok pods' IPs (test/helpers/real-dataplanes.ts plays the kubelet). After one of
// four replicas is replaced, every key that lived on the other three is still a hit (ADR 0012). The
// same measurement with the random pod names of before shows what ordinals fix.
//
// Cluster DNS is played by this process: `<pod>.<dataplane>.<namespace>.svc` resolves to the
// replica's pod IP as published in the Dataplane's status, as CoreDNS answers it from the
// EndpointSlice (which refuses the sim's 127/8 pod IPs, so it cannot be used here).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { randomBytes } from 'node:crypto';
import Memcached from 'memcached';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, getDataplane, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { RealDataplanes } from '../helpers/real-dataplanes.ts';
import { waitFor } from '../../src/lib/kube.ts';

const tc = await useTestCluster('ring');
await installCrds(tc);
const nodes = await tc.cluster.addNodes(1, { cpus: 8, vfs: 0, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodes);
after(stopOperators);
await startOperator(tc);

// The stand-in for cluster DNS: names this test knows resolve to their IP, everything else as before.
const names = new Map<string, string>();
const realLookup = dns.lookup;
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
(dns as { lookup: unknown }).lookup = (host: string, options: unknown, callback?: LookupCallback) => {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const ip = names.get(host);
  if (ip === undefined) return (realLookup as (...a: unknown[]) => void)(host, options, callback);
  const all = typeof options === 'object' && options !== null && (options as dns.LookupAllOptions).all;
  process.nextTick(() => (all ? cb(null, [{ address: ip, family: 4 }]) : cb(null, ip, 4)));
};
after(() => void ((dns as { lookup: unknown }).lookup = realLookup));

const KEYS = 2000;
const VALUE = 'v'.repeat(32);
/** Requests in flight at once: fewer than the client's connection pool per server. */
const BATCH = 16;

function client(servers: readonly string[]): Memcached {
  // remove: false and no failover: the ring stays exactly the published list.
  return new Memcached([...servers], { retries: 0, timeout: 2000, reconnect: 1000, poolSize: 32, remove: false });
}
const setKey = (c: Memcached, key: string) => new Promise<void>((resolve, reject) => c.set(key, VALUE, 0, (err) => (err ? reject(err as Error) : resolve())));
const getKey = (c: Memcached, key: string) => new Promise<boolean>((resolve, reject) => c.get(key, (err, data) => (err ? reject(err as Error) : resolve(data === VALUE))));
async function populate(c: Memcached, keys: readonly string[]): Promise<Map<string, string>> {
  const owner = new Map<string, string>();
  for (let i = 0; i < keys.length; i += BATCH) await Promise.all(keys.slice(i, i + BATCH).map((k) => setKey(c, k)));
  // Which server the client's ring put each key on (the library's own ring, which @types omits).
  const ring = (c as unknown as { HashRing: { get(key: string): string } }).HashRing;
  for (const k of keys) owner.set(k, ring.get(k));
  return owner;
}
async function hitRate(c: Memcached, keys: readonly string[]): Promise<{ hits: number; of: number }> {
  let hits = 0;
  for (let i = 0; i < keys.length; i += BATCH) hits += (await Promise.all(keys.slice(i, i + BATCH).map((k) => getKey(c, k)))).filter(Boolean).length;
  return { hits, of: keys.length };
}
const end = (c: Memcached) => c.end();

describe('a ketama client over the published server list', () => {
  it('keeps every key of the other members when one of four replicas is replaced; random names did not', async (t) => {
    await createDataplane(tc, 'ring', { replicas: 4, cores: { min: 1, max: 1 }, memory: '16Mi', placement: { wholeCores: false } });
    await waitForRunningPods(tc, 'ring', 4);
    const real = new RealDataplanes(tc, 'ring');
    after(() => real.stop());
    await real.waitReady(4);
    const published = async () => waitFor('4 servers published', async () => {
      const dp = await getDataplane(tc, 'ring');
      return dp.status?.servers?.length === 4 ? dp : undefined;
    });
    const before = await published();
    const servers = before.status!.servers!;
    assert.deepEqual(servers, [0, 1, 2, 3].map((i) => `ring-${i}.ring.${tc.namespace}.svc:11211`));
    const ipOf = (dp: typeof before, pod: string) => dp.status!.pods!.find((p) => p.name === pod)!.podIP!;
    for (const p of before.status!.pods!) names.set(p.hostname!, p.podIP!);
    // Today's scheme, emulated over the same processes: each replica under a random name.
    const randomName = () => `ring-${randomBytes(3).toString('hex').slice(0, 5)}.ring.${tc.namespace}.svc`;
    const randomNames = [0, 1, 2, 3].map(() => randomName());
    randomNames.forEach((n, i) => names.set(n, ipOf(before, `ring-${i}`)));
    const randomServers = randomNames.map((n) => `${n}:11211`);

    const ordinalKeys = Array.from({ length: KEYS }, (_, i) => `ord:${i}`);
    const randomKeys = Array.from({ length: KEYS }, (_, i) => `rnd:${i}`);
    let c = client(servers);
    const ordinalOwner = await populate(c, ordinalKeys);
    end(c);
    c = client(randomServers);
    const randomOwner = await populate(c, randomKeys);
    end(c);
    assert.equal(new Set(ordinalOwner.values()).size, 4, 'the keys spread over all four replicas');

    // Replace ring-2: its process goes (and its items with it), a new pod of the same name comes.
    const oldUid = (await tc.core.readNamespacedPod({ name: 'ring-2', namespace: tc.namespace })).metadata!.uid;
    assert.equal(tc.kubectl(['delete', 'pod', 'ring-2', '-n', tc.namespace, '--wait=false']).status, 0);
    await waitFor('ring-2 replaced', async () => {
      const p = await tc.core.readNamespacedPod({ name: 'ring-2', namespace: tc.namespace }).catch(() => undefined);
      return p && p.metadata?.uid !== oldUid && p.status?.phase === 'Running' ? true : undefined;
    });
    await real.waitReady(4);
    const afterReplace = await waitFor('the new ring-2 published', async () => {
      const dp = await published();
      const pod = await tc.core.readNamespacedPod({ name: 'ring-2', namespace: tc.namespace });
      return dp.status?.pods?.find((p) => p.name === 'ring-2')?.podIP === pod.status?.podIP ? dp : undefined;
    });
    assert.deepEqual(afterReplace.status!.servers, servers, 'the same server list: the replica kept its name');
    for (const p of afterReplace.status!.pods!) names.set(p.hostname!, p.podIP!);
    // Under random names the replacement would have come back under a new one.
    const replacement = randomName();
    names.set(replacement, ipOf(afterReplace, 'ring-2'));
    const randomAfter = randomServers.map((s, i) => (i === 2 ? `${replacement}:11211` : s));

    const replaced = `ring-2.ring.${tc.namespace}.svc:11211`;
    const othersOrdinal = ordinalKeys.filter((k) => ordinalOwner.get(k) !== replaced);
    const othersRandom = randomKeys.filter((k) => randomOwner.get(k) !== randomServers[2]);
    c = client(afterReplace.status!.servers!);
    const ordinal = await hitRate(c, othersOrdinal);
    const lost = await hitRate(c, ordinalKeys.filter((k) => ordinalOwner.get(k) === replaced));
    end(c);
    assert.equal(lost.hits, 0, 'the replaced replica is a new, empty process: its own keys are misses');
    c = client(randomAfter);
    const random = await hitRate(c, othersRandom);
    end(c);
    const pct = (r: { hits: number; of: number }) => `${((100 * r.hits) / r.of).toFixed(1)}% (${r.hits}/${r.of})`;
    t.diagnostic(`hit rate of the other three members' keys after replacing one of four: ordinals ${pct(ordinal)}, random names ${pct(random)}`);
    assert.equal(ordinal.hits, ordinal.of, `ordinals: every key of the other members is still a hit (${pct(ordinal)})`);
    assert.ok(random.hits < random.of, `random names remap some of the other members' keys (${pct(random)}); if not, this test shows nothing`);
  });
});
