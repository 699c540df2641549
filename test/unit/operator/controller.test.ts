import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Controller } from '../../../src/operator/runtime/controller.ts';
import { OperatorMetrics } from '../../../src/operator/metrics.ts';
import { log } from '../../../src/lib/log.ts';

const forbidden = (message: string, reason: string) => new k8s.ApiException(403, 'Forbidden',
  JSON.stringify({ kind: 'Status', status: 'Failure', message, reason: 'Forbidden', details: { causes: [{ reason, message }] }, code: 403 }), {});

async function runOnce(err: unknown): Promise<{ errors: number; results: Record<string, number>; calls: number }> {
  const metrics = new OperatorMetrics();
  let calls = 0;
  const c = new Controller('t', async () => { calls++; throw err; }, metrics, log, 1);
  c.start();
  c.enqueue('ns/x');
  await new Promise((r) => setTimeout(r, 30));
  await c.stop();
  const errors = (await metrics.reconcileErrors.get()).values.reduce((n, v) => n + v.value, 0);
  const results: Record<string, number> = {};
  for (const v of (await metrics.reconcileTotal.get()).values) results[String(v.labels.result)] = v.value;
  return { errors, results, calls };
}

describe('Controller', () => {
  it('counts a refused write as an error and retries it soon', async () => {
    const r = await runOnce(forbidden('secrets "x" is forbidden: User cannot create', 'FieldValueForbidden'));
    assert.equal(r.errors >= 1, true);
    assert.ok(r.calls >= 2, `retried with backoff (calls: ${r.calls})`);
  });

  it('does not count a write refused because the namespace is being deleted, and looks again later, not at once', async () => {
    const r = await runOnce(forbidden('secrets "x" is forbidden: unable to create new content in namespace a because it is being terminated', 'NamespaceTerminating'));
    assert.equal(r.errors, 0);
    assert.equal(r.results.requeue_after, 1);
    assert.equal(r.calls, 1);
  });
});
