// The chart's PodMonitor (metrics.podMonitor.enabled), rendered by the helm we build: it selects
// exactly the labels the operator puts on dataplane pods and scrapes the port the pods name for
// their control API, where /metrics is served.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { ensureBinaries } from '../../src/sim/binaries.ts';
import { useHelm } from '../helpers/helm.ts';
import { CHART_DIR } from '../../scripts/render-deploy.ts';
import { buildPod } from '../../src/operator/dataplane/pod-builder.ts';
import { buildService, SERVICE_PORTS } from '../../src/operator/dataplane/service-builder.ts';
import { dataplane } from '../unit/operator/fixtures.ts';

const helm = useHelm((await ensureBinaries()).helm, 'podmonitor');

interface PodMonitor {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { any?: boolean; matchNames?: string[] }; podMetricsEndpoints: { port: string; path: string; interval: string }[] };
}

function render(set: string[]): PodMonitor[] {
  const out = helm.ok(['template', 'ix', CHART_DIR, '--namespace', 'ix-system', ...set.flatMap((s) => ['--set', s])]);
  return parseAllDocuments(out).map((d) => d.toJS() as PodMonitor | null).filter((o): o is PodMonitor => o?.kind === 'PodMonitor');
}

const dp = dataplane();

describe('the chart\'s PodMonitor', () => {
  it('is off by default', () => {
    assert.deepEqual(render([]), []);
  });

  it('scrapes every dataplane pod\'s control port, in every namespace or the ones named', () => {
    const [pm, ...more] = render(['metrics.podMonitor.enabled=true', 'metrics.podMonitor.interval=10s', 'metrics.podMonitor.labels.release=prom']);
    assert.ok(pm);
    assert.equal(more.length, 0);
    assert.equal(pm.metadata.namespace, 'ix-system');
    assert.deepEqual(pm.spec.namespaceSelector, { any: true });
    const pod = buildPod({ dp: dp, name: 'cache-0', specHash: 'h', defaultImage: 'img' });
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) assert.equal(pod.metadata?.labels?.[k], v, `dataplane pods carry ${k}=${v}`);
    const [endpoint] = pm.spec.podMetricsEndpoints;
    assert.deepEqual(endpoint, { ...endpoint, port: 'control', path: '/metrics', interval: '10s' });
    const port = pod.spec!.containers[0]!.ports!.find((p) => p.name === endpoint!.port);
    assert.equal(port?.containerPort, dp.spec.controlPort, 'the port the pods name "control" is the one /metrics is on');
    const svc = buildService(dp);
    assert.equal(svc.spec?.ports?.find((p) => p.name === SERVICE_PORTS.metrics)?.port, dp.spec.controlPort, 'the Service names the same port "metrics"');
    const [scoped] = render(['metrics.podMonitor.enabled=true', 'metrics.podMonitor.namespaces={prod,staging}']);
    assert.deepEqual(scoped?.spec.namespaceSelector, { matchNames: ['prod', 'staging'] });
  });

  it('refuses a bad interval', () => {
    const r = helm.run(['template', 'ix', CHART_DIR, '--set', 'metrics.podMonitor.enabled=true', '--set', 'metrics.podMonitor.interval=often']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /at '\/metrics\/podMonitor\/interval': 'often' does not match pattern/);
  });
});
