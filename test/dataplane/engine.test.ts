// The engine seam (ADR 0019) under what stresses the io_uring engine most, run on the suite's
// engine like the rest: more connections sending at once than a ring has receive buffers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataplaneServer } from '../../src/dataplane/server.ts';
import { RING_BUFFERS } from '../../src/dataplane/engine-ring.ts';
import { Client } from './client.ts';
import { startOurs } from './harness.ts';

describe('engine', () => {
  let server: DataplaneServer;
  before(async () => {
    server = await startOurs({ maxConnections: 4 * RING_BUFFERS });
  });
  after(async () => {
    await server.close();
  });

  it('answers every connection when more of them send at once than a ring has receive buffers', async () => {
    const n = 3 * RING_BUFFERS;
    const clients = await Promise.all(Array.from({ length: n }, () => Client.connect(server.port)));
    assert.equal(await clients[0]!.request('set shared 0 0 5\r\nvalue\r\n'), 'STORED\r\n');
    // All at once: their receives complete before the server's next dispatch, past the buffers it has.
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(clients.map((c, i) => c.request(`get shared\r\nset k${i} 0 0 1\r\n${round}\r\nget k${i}\r\n`, /END\r\n[^]*END\r\n$/)));
      replies.forEach((r, i) => assert.equal(r, `VALUE shared 0 5\r\nvalue\r\nEND\r\nSTORED\r\nVALUE k${i} 0 1\r\n${round}\r\nEND\r\n`, `connection ${i}, round ${round}`));
    }
    for (const c of clients) c.close();
  });
});
