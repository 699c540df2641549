import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import client from 'prom-client';
import { controlApp, type ControlDeps } from '../../../src/dataplane/control/control-server.ts';
import { ewma, LoadMonitor } from '../../../src/dataplane/control/load-monitor.ts';
import { grantFromAnnotations, parseDownwardApi } from '../../../src/dataplane/control/podinfo.ts';
import { ServerCounters } from '../../../src/dataplane/counters.ts';

function deps(token: string | undefined): ControlDeps & { changes: number[][] } {
  const changes: number[][] = [];
  const cores = { granted: [2, 3, 4, 5], active: [2, 3] };
  return {
    changes, cores, registry: new client.Registry(), ready: () => true, token: () => token,
    load: () => ({ threads: [{ thread: 0, queueLength: 1.5, queueDelayUs: 12.4, idle: 0.73219, requestsPerSecond: 1000, meanBatch: 2 }], connections: 3 }),
    setActive: (cpus) => { cores.active = cpus; changes.push(cpus); },
  };
}

describe('control API', () => {
  it('requires the bearer token for PUT /v1/cores and keeps changes within the granted CPUs', async () => {
    const d = deps('s3cret');
    const app = controlApp(d);
    await request(app).put('/v1/cores').send({ cpus: '2-5' }).expect(401).expect('WWW-Authenticate', 'Bearer');
    await request(app).put('/v1/cores').set('Authorization', 'Bearer nope00').send({ cpus: '2-5' }).expect(401);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '2-5' }).expect(200, { activeCpus: '2-5' });
    const outside = await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '5-7' }).expect(409);
    assert.match(outside.body.error, /CPUs 6-7 are not granted to this pod \(granted: 2-5\)/);
    const bad = await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '3-1' }).expect(400);
    assert.match(bad.body.error, /invalid cpuset/);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '' }).expect(400);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cores: 2 }).expect(400);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').set('Content-Type', 'application/json').send('{"cpus":').expect(400);
    assert.deepEqual(d.changes, [[2, 3, 4, 5]], 'only the valid, authorised change took effect');
  });

  it('refuses core changes altogether without a token file', async () => {
    const res = await request(controlApp(deps(undefined))).put('/v1/cores').set('Authorization', 'Bearer x').send({ cpus: '2' }).expect(403);
    assert.match(res.body.error, /disabled: the dataplane was started without --token-file/);
  });

  it('publishes the load as JSON', async () => {
    const res = await request(controlApp(deps('t'))).get('/v1/load').expect(200);
    assert.deepEqual(res.body, { grantedCpus: '2-5', activeCpus: '2-3', connections: 3, threads: [{ thread: 0, queueLength: 1.5, queueDelayUs: 12, idle: 0.7322, requestsPerSecond: 1000, meanBatch: 2 }] });
    await request(controlApp(deps('t'))).get('/healthz').expect(200, 'ok');
  });
});

describe('pod annotations file', () => {
  it('reads the grant the operator wrote', () => {
    const text = 'ix.dev/cpus="2-5"\nix.dev/active-cpus="2-3"\nkubernetes.io/config.seen="2026-01-01T00:00:00Z"\nweird="a\\"b"\n';
    const ann = parseDownwardApi(text);
    assert.equal(ann.get('weird'), 'a"b');
    assert.deepEqual(grantFromAnnotations(ann), { granted: [2, 3, 4, 5], active: [2, 3] });
    assert.deepEqual(grantFromAnnotations(parseDownwardApi('ix.dev/cpus="7"\n')), { granted: [7], active: [7] });
    assert.equal(grantFromAnnotations(parseDownwardApi('other="x"\n')), undefined);
    assert.throws(() => grantFromAnnotations(parseDownwardApi('ix.dev/cpus="2-3"\nix.dev/active-cpus="4"\n')), /not within/);
  });
});

describe('load monitor', () => {
  it('smooths samples and derives the queue length from rate and delay (Little\'s law)', async () => {
    assert.equal(ewma(0, 10), 2);
    const counters = new ServerCounters(64);
    const m = new LoadMonitor(counters);
    counters.requests = 1000;
    counters.batches = 100;
    await new Promise((r) => setTimeout(r, 20));
    m.sample();
    assert.ok(m.current.requestsPerSecond > 0);
    assert.ok(Math.abs(m.current.meanBatch - 0.2 * 10) < 1e-9, 'EWMA of a mean batch of 10');
    assert.ok(m.current.idle <= 1 && m.current.idle >= 0);
    m.stop();
  });
});
