import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import client from 'prom-client';
import { controlApp, type ControlDeps } from '../../../src/dataplane/control/control-server.ts';
import { fitActive } from '../../../src/dataplane/control/control-plane.ts';
import { ewma, LoadMonitor } from '../../../src/dataplane/control/load-monitor.ts';
import { grantFromAnnotations, parseDownwardApi } from '../../../src/dataplane/control/podinfo.ts';
import { ServerCounters } from '../../../src/dataplane/counters.ts';

function deps(token: string | undefined): ControlDeps & { changes: [number[], number[] | undefined][] } {
  const changes: [number[], number[] | undefined][] = [];
  const cores = { granted: [2, 3, 4, 5], active: [2, 3] };
  return {
    changes, cores, registry: new client.Registry(), ready: () => true, token: () => token,
    load: () => ({ threads: [
      { thread: 0, queueLength: 1.5, queueDelayUs: 12.4, idle: 0.73219, requestsPerSecond: 1000, meanBatch: 2, queueDelayP99Us: 80.2 },
      { thread: 1, queueLength: 0, queueDelayUs: 0, idle: 1, requestsPerSecond: 0, meanBatch: 0, queueDelayP99Us: 310.6 },
    ], connections: 3, engine: { name: 'io_uring', reason: 'asked for (--engine io_uring)' } }),
    setCores: (granted, active) => { cores.granted = granted; cores.active = active ?? fitActive(cores.active, granted); changes.push([granted, active]); },
  };
}

describe('control API', () => {
  it('requires the bearer token for PUT /v1/cores, takes a new grant and an active set within it', async () => {
    const d = deps('s3cret');
    const app = controlApp(d);
    await request(app).put('/v1/cores').send({ cpus: '2-5' }).expect(401).expect('WWW-Authenticate', 'Bearer');
    await request(app).put('/v1/cores').set('Authorization', 'Bearer nope00').send({ cpus: '2-5' }).expect(401);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '3-6' }).expect(200, { grantedCpus: '3-6', activeCpus: '3-4' });
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '2-5', active: '2-5' }).expect(200, { grantedCpus: '2-5', activeCpus: '2-5' });
    const outside = await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '2-5', active: '5-7' }).expect(409);
    assert.match(outside.body.error, /active CPUs 6-7 are not within the granted CPUs 2-5/);
    const bad = await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '3-1' }).expect(400);
    assert.match(bad.body.error, /invalid cpuset/);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '' }).expect(400);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cores: 2 }).expect(400);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').send({ cpus: '2', active: 2 }).expect(400);
    await request(app).put('/v1/cores').set('Authorization', 'Bearer s3cret').set('Content-Type', 'application/json').send('{"cpus":').expect(400);
    assert.deepEqual(d.changes, [[[3, 4, 5, 6], undefined], [[2, 3, 4, 5], [2, 3, 4, 5]]], 'only the valid, authorised changes took effect');
  });

  it('refuses core changes altogether without a token file', async () => {
    const res = await request(controlApp(deps(undefined))).put('/v1/cores').set('Authorization', 'Bearer x').send({ cpus: '2' }).expect(403);
    assert.match(res.body.error, /disabled: the dataplane was started without --token-file/);
  });

  it('publishes the load as JSON', async () => {
    const res = await request(controlApp(deps('t'))).get('/v1/load').expect(200);
    assert.deepEqual(res.body, {
      grantedCpus: '2-5', activeCpus: '2-3', connections: 3, engine: { name: 'io_uring', reason: 'asked for (--engine io_uring)' }, queueDelayP99Us: 311,
      threads: [
        { thread: 0, queueLength: 1.5, queueDelayUs: 12, idle: 0.7322, requestsPerSecond: 1000, meanBatch: 2, queueDelayP99Us: 80 },
        { thread: 1, queueLength: 0, queueDelayUs: 0, idle: 1, requestsPerSecond: 0, meanBatch: 0, queueDelayP99Us: 311 },
      ],
    });
    await request(controlApp(deps('t'))).get('/healthz').expect(200, 'ok');
  });
});

describe('fitActive: the active CPUs under a new grant', () => {
  it('keeps the CPUs still granted and replaces the ones taken away, keeping the thread count', () => {
    assert.deepEqual(fitActive([2, 3], [2, 3, 4, 5]), [2, 3], 'a grown grant changes nothing: the local controller adds');
    assert.deepEqual(fitActive([2, 3, 4], [2, 5, 6]), [2, 5, 6]);
    assert.deepEqual(fitActive([2, 3, 4, 5], [2, 3]), [2, 3], 'a smaller grant caps the threads');
    assert.deepEqual(fitActive([], [7, 8]), [7], 'at least one thread');
    assert.deepEqual(fitActive([9], [7, 8]), [7]);
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
    assert.deepEqual(grantFromAnnotations(parseDownwardApi('ix.dev/cpus="2-3"\nix.dev/active-cpus="3-4"\n')), { granted: [2, 3], active: [3] }, 'a stale report is cut to the grant');
    assert.deepEqual(grantFromAnnotations(parseDownwardApi('ix.dev/cpus="2-3"\nix.dev/active-cpus="4"\n')), { granted: [2, 3], active: [2, 3] });
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
