import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataplane } from './status-fixtures.ts';
import { endpointsOf, formatEndpoints } from '../../../src/cli/endpoints-format.ts';

const dp = dataplane('prod', 'cache', 3, {
  servers: ['cache-0.cache.prod.svc:11211', 'cache-2.cache.prod.svc:11211'],
  pods: [
    { name: 'cache-2', ordinal: 2, podIP: '10.0.0.12', hostname: 'cache-2.cache.prod.svc', ready: true },
    { name: 'cache-1', ordinal: 1, podIP: '10.0.0.11', hostname: 'cache-1.cache.prod.svc', ready: false },
    { name: 'cache-0', ordinal: 0, podIP: 'fd00::10', hostname: 'cache-0.cache.prod.svc', ready: true },
  ],
});

describe('ixctl endpoints formats', () => {
  it('takes status.servers as they are, or the ready replicas\' pod IPs in ordinal order', () => {
    assert.deepEqual(endpointsOf(dp, 'auto'), ['cache-0.cache.prod.svc:11211', 'cache-2.cache.prod.svc:11211']);
    assert.deepEqual(endpointsOf(dp, 'ip'), ['[fd00::10]:11211', '10.0.0.12:11211']);
  });

  it('prints a host:port list, one per line, an mcrouter pool, or JSON', () => {
    const servers = endpointsOf(dp, 'auto');
    assert.equal(formatEndpoints(dp, servers, 'list'), 'cache-0.cache.prod.svc:11211,cache-2.cache.prod.svc:11211\n');
    assert.equal(formatEndpoints(dp, servers, 'lines'), 'cache-0.cache.prod.svc:11211\ncache-2.cache.prod.svc:11211\n');
    assert.deepEqual(JSON.parse(formatEndpoints(dp, servers, 'mcrouter')), {
      pools: { 'prod-cache': { servers: ['cache-0.cache.prod.svc:11211', 'cache-2.cache.prod.svc:11211'] } },
      route: 'PoolRoute|prod-cache',
    });
    assert.deepEqual(JSON.parse(formatEndpoints(dp, servers, 'json')), { dataplane: 'prod/cache', ready: 2, replicas: 3, servers });
    assert.equal(formatEndpoints(dp, [], 'list'), '\n');
  });
});
