import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../src/lib/net.ts';
import { controlBase, httpControlClient } from '../../../src/operator/rebalance/load-client.ts';

// A control API that answers by path: what a sick or wrong dataplane might send.
const server = http.createServer((req, res) => {
  if (req.url === '/hang/v1/load') return; // never answers
  if (req.url === '/busy/v1/load') return void res.writeHead(503).end('not serving yet');
  if (req.url === '/odd/v1/load') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":1}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ grantedCpus: '2-3', activeCpus: '2', connections: 1, threads: [] }));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
after(() => server.close());
const base = controlBase('127.0.0.1', (server.address() as AddressInfo).port);

describe('control API client', () => {
  it('reads a load report', async () => {
    assert.equal((await httpControlClient.load(base, 't')).grantedCpus, '2-3');
  });

  it('says why a read failed: refused, no answer, an HTTP error, not a report', async () => {
    const closed = controlBase('127.0.0.1', await freePort());
    await assert.rejects(httpControlClient.load(closed, 't'), /^ControlApiError: GET http:\/\/127\.0\.0\.1:\d+\/v1\/load: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    await assert.rejects(httpControlClient.load(`${base}/hang`, 't'), /\/hang\/v1\/load: no answer within 1000 ms$/);
    await assert.rejects(httpControlClient.load(`${base}/busy`, 't'), /HTTP 503$/);
    await assert.rejects(httpControlClient.load(`${base}/odd`, 't'), /not a load report$/);
  });

  it('brackets IPv6 pod IPs', () => {
    assert.equal(controlBase('fd00::5', 9121), 'http://[fd00::5]:9121');
  });
});
