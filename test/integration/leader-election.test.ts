// Two operator replicas: one leads, the other keeps warm caches and waits; when the leader stops it
// hands the Lease over at once, and the follower takes over. And two electors on a real Lease with
// skewed clocks: a follower whose clock is hours ahead waits while the leader renews; a leader cut
// off from the apiserver stops before the follower may take over.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { startOperator, stopOperator, stopOperators } from '../helpers/operator.ts';
import { loadKubeConfig, sleep, waitFor } from '../../src/lib/kube.ts';
import { log } from '../../src/lib/log.ts';
import { systemClock, type Clock } from '../../src/operator/runtime/clock.ts';
import { LeaderElector } from '../../src/operator/runtime/leader-election.ts';
import { kubeLeaseApi } from '../../src/operator/runtime/lease-api.ts';
import { kubeconfigThrough, TcpProxy } from '../helpers/tcp-proxy.ts';

const tc = await useTestCluster('lease');
await installCrds(tc);
after(stopOperators);
const leases = tc.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
const holder = async () => (await leases.readNamespacedLease({ name: 'ix-operator', namespace: tc.namespace })).spec;

describe('leader election', () => {
  it('lets one replica lead and hands over when it stops', async () => {
    const first = await startOperator(tc, { identity: 'first' });
    assert.equal((await holder())?.holderIdentity, 'first');
    assert.equal((await holder())?.leaseDurationSeconds, 15);
    let secondStarted = false;
    const second = startOperator(tc, { identity: 'second' }).then((op) => { secondStarted = true; return op; });
    await sleep(3_000);
    assert.equal(secondStarted, false, 'the follower waits while the leader renews');
    assert.equal((await holder())?.holderIdentity, 'first');
    const transitionsBefore = (await holder())?.leaseTransitions ?? 0;
    await stopOperator(first);
    const t0 = Date.now();
    await second;
    assert.ok(Date.now() - t0 < 5_000, 'released, not left to expire (15 s)');
    const spec = await waitFor('the lease to name the follower', async () => ((await holder())?.holderIdentity === 'second' ? await holder() : undefined));
    assert.equal(spec?.leaseTransitions, transitionsBefore + 1);
  });
});

describe('leader election on a real Lease, with skewed clocks and a cut-off leader', () => {
  it('a follower hours ahead does not take a live lease; a leader that cannot renew stops before the follower takes over', async () => {
    const server = new URL(tc.cluster.server);
    const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port) });
    after(() => proxy.stop());
    const name = 'skew';
    // Short timings keep the test short; the ratios are client-go's (renew deadline < lease, retry < deadline).
    const timing = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
    const hoursAhead: Clock = { ...systemClock, wallNow: () => new Date(Date.now() + 5 * 3_600_000) };
    const leaderKc = loadKubeConfig(kubeconfigThrough(proxy, tc.kubeconfigPath, tc.cluster.server));
    const leader = new LeaderElector(kubeLeaseApi(leaderKc, tc.namespace, name), { lease: `${tc.namespace}/${name}`, identity: 'near', ...timing }, log);
    const follower = new LeaderElector(kubeLeaseApi(tc.kubeConfig, tc.namespace, name), { lease: `${tc.namespace}/${name}`, identity: 'ahead', ...timing, clock: hoursAhead }, log);
    after(() => follower.release());
    let lostAt: number | undefined;
    await leader.acquire(() => { lostAt = performance.now(); });
    let ledAt: number | undefined;
    const following = follower.acquire(() => {}).then(() => { ledAt = performance.now(); });

    await sleep(3 * timing.leaseDurationMs);
    assert.equal(ledAt, undefined, 'the follower took a live lease: its clock says the renewTime is 5 h old');
    assert.equal((await leases.readNamespacedLease({ name, namespace: tc.namespace })).spec?.holderIdentity, 'near');

    await proxy.refuse(); // the leader's node loses the apiserver
    const cutAt = performance.now();
    await following;
    assert.ok(lostAt !== undefined, 'the leader noticed it could not renew');
    assert.equal(leader.isLeader, false);
    // Within its renew deadline of the cut (its last renewal came before), give or take a busy event loop.
    assert.ok(lostAt - cutAt <= timing.renewDeadlineMs + 1_500, `the leader stopped ${Math.round(lostAt - cutAt)} ms after it was cut off`);
    assert.ok(ledAt! > lostAt, 'never two leaders');
    console.error(`[lease] leader cut off: stopped after ${Math.round(lostAt - cutAt)} ms; the follower led ${Math.round(ledAt! - lostAt)} ms after that`);
    assert.equal((await leases.readNamespacedLease({ name, namespace: tc.namespace })).spec?.holderIdentity, 'ahead');
  });
});
