// Two operator replicas: one leads, the other keeps warm caches and waits; when the leader stops it
// hands the Lease over at once, and the follower takes over.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { startOperator, stopOperator, stopOperators } from '../helpers/operator.ts';
import { sleep, waitFor } from '../../src/lib/kube.ts';

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
