import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer } from '../../../src/operator/http.ts';
import { OperatorMetrics } from '../../../src/operator/metrics.ts';

describe('operator HTTP endpoints', () => {
  it('serves /healthz, /readyz (503 until caches sync) and Prometheus /metrics on loopback only', async () => {
    const metrics = new OperatorMetrics();
    metrics.reconcileTotal.inc({ controller: 'dataplane', result: 'success' });
    let ready = false;
    const srv = await startHttpServer({ host: '127.0.0.1', port: 0 }, metrics.registry, () => ready);
    try {
      const base = `http://127.0.0.1:${srv.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(await notReady.text(), 'caches not synced');
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const m = await fetch(`${base}/metrics`);
      assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await m.text();
      assert.match(text, /^controller_runtime_reconcile_total\{controller="dataplane",result="success"\} 1$/m);
      assert.match(text, /^# TYPE workqueue_depth gauge$/m);
      assert.match(text, /^# TYPE ix_placement_failures_total counter$/m);
      assert.equal((await fetch(`${base}/nothing`)).status, 404);
    } finally {
      await srv.close();
    }
  });
});
