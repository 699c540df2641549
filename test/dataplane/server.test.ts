// Our server alone (no memcached needed): robustness under garbage, many idle connections,
// batching, backpressure, connection limit, and reference release after writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataplaneServer } from '../../src/dataplane/server.ts';
import { readAheadBytes } from '../../src/dataplane/engine.ts';
import { startOurs } from './harness.ts';
import { INPUT_HIGH_WATER } from '../../src/dataplane/connection.ts';
import { Client } from './client.ts';
import { loadNative } from '../../src/dataplane/native.ts';

describe('dataplane server', () => {
  let server: DataplaneServer;
  before(async () => {
    server = await startOurs({ memoryLimitMiB: 16, maxConnections: 3000 });
  });
  after(async () => {
    await server?.close();
  });

  it('keeps serving a well-behaved client while another sends garbage', async () => {
    const good = await Client.connect(server.port);
    let round = 0;
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), async (garbage, withCommands) => {
      const bad = await Client.connect(server.port);
      const bytes = withCommands ? Buffer.concat([Buffer.from('set x 0 0 5\r\nget x\r\nmg x v\r\n'), Buffer.from(garbage)]) : Buffer.from(garbage);
      bad.socket.write(bytes);
      const value = `v${round++}`;
      const reply = await good.request(`set good 7 0 ${value.length}\r\n${value}\r\nget good\r\n`, 'END\r\n');
      assert.equal(reply, `STORED\r\nVALUE good 7 ${value.length}\r\n${value}\r\nEND\r\n`);
      bad.close();
    }), { numRuns: 60 });
    good.close();
  });

  it('closes only the connection whose request hit an internal error', async () => {
    const touch = server.store.touch;
    server.store.touch = () => {
      throw new Error('injected fault');
    };
    try {
      const victim = await Client.connect(server.port);
      const other = await Client.connect(server.port);
      assert.equal(await victim.request('touch a 1\r\nversion\r\n', 'SERVER_ERROR internal error\r\n'), 'SERVER_ERROR internal error\r\n');
      await victim.read('never', 2000).catch(() => undefined);
      assert.ok(victim.closed, 'the connection was closed');
      assert.equal(await other.request('version\r\n'), `VERSION ${server.info.version}\r\n`);
      other.close();
    } finally {
      server.store.touch = touch;
    }
  });

  it('holds a thousand idle connections cheaply and still answers', async () => {
    const before = process.memoryUsage();
    const idle = await Promise.all(Array.from({ length: 1000 }, () => Client.connect(server.port)));
    // Half of them leave a request half-sent, which must cost no more than its bytes.
    idle.forEach((c, i) => i % 2 === 0 && c.socket.write('set half 0 0 10\r\nabc'));
    await sleep(200);
    const c = await Client.connect(server.port);
    assert.equal(await c.request('version\r\n'), `VERSION ${server.info.version}\r\n`);
    const grown = process.memoryUsage().heapUsed - before.heapUsed;
    // Client and server sockets both live in this process: well under 20 KiB for the pair.
    assert.ok(grown / 1000 < 20 * 1024, `heap grew ${grown} bytes for 1000 connections`);
    for (const x of idle) x.close();
    c.close();
  });

  it('bounds batches: a long pipeline is served in batches of B with yields between them', async () => {
    const c = await Client.connect(server.port);
    const { requests, yields } = server.counters;
    const full = server.counters.batchSizes[server.options.batchBound]!;
    const reply = await c.request('mn\r\n'.repeat(1000), /(MN\r\n){1000}$/);
    assert.equal(reply, 'MN\r\n'.repeat(1000));
    assert.equal(server.counters.requests - requests, 1000);
    assert.ok(server.counters.yields > yields, 'continued on setImmediate past the bound');
    assert.ok(server.counters.batchSizes[server.options.batchBound]! > full, 'full batches were counted');
    c.close();
  });

  it('leaves a flood of pipelined input in the kernel past its bound, and serves all of it in order', async () => {
    const c = await Client.connect(server.port);
    const one = 'set flood 0 0 6 noreply\r\n';
    const n = 200_000;
    const size = one.length + 8;
    const start = { read: server.counters.bytesRead, served: server.counters.requests };
    // Unserved input held in this process: bytes read minus the (equal-sized) requests served.
    let worst = 0;
    const probe = setInterval(() => {
      const backlog = server.counters.bytesRead - start.read - (server.counters.requests - start.served) * size;
      worst = Math.max(worst, backlog);
    }, 1);
    const body = Buffer.from(Array.from({ length: n }, (_, i) => `${one}${String(i).padStart(6, '0')}\r\n`).join(''));
    c.socket.write(body);
    const reply = await c.request('get flood\r\n', 'END\r\n', 60_000);
    clearInterval(probe);
    assert.equal(reply, `VALUE flood 0 6\r\n${String(n - 1).padStart(6, '0')}\r\nEND\r\n`, 'every set served, in order');
    assert.equal(server.counters.requests - start.served, n + 1);
    // The bound plus what reads can bring in past it before the pause takes effect (engine.ts).
    assert.ok(worst <= INPUT_HIGH_WATER + readAheadBytes(server.engine.name), `held ${worst} bytes of unserved input (${(body.length / 2 ** 20).toFixed(1)} MiB sent)`);
    c.close();
  });

  it('reads a value larger than the input bound whole, however it is split', async () => {
    const c = await Client.connect(server.port);
    const value = Buffer.alloc(3 * INPUT_HIGH_WATER, 'q');
    c.socket.write(`set huge 0 0 ${value.length}\r\n`);
    for (let i = 0; i < value.length; i += 1000) c.socket.write(value.subarray(i, i + 1000));
    assert.equal(await c.request('\r\n'), 'STORED\r\n');
    c.close();
  });

  it('stops reading from a client that does not read its replies', async () => {
    const c = await Client.connect(server.port);
    const value = 'z'.repeat(100_000);
    await c.request(`set big 0 0 ${value.length}\r\n${value}\r\n`, 'STORED\r\n');
    const gets = 300;
    const expected = gets * (`VALUE big 0 ${value.length}\r\n`.length + value.length + 2 + 'END\r\n'.length);
    // Count the reply bytes on a raw listener instead of buffering 30 MB.
    c.socket.removeAllListeners('data');
    c.socket.pause();
    const start = server.counters.requests;
    c.socket.write('get big\r\n'.repeat(gets));
    await sleep(500);
    const served = server.counters.requests - start;
    assert.ok(served < gets, `server kept reading while the client did not read (${served} served)`);
    let received = 0;
    await new Promise<void>((resolve) => {
      c.socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= expected) resolve();
      });
      c.socket.resume();
    });
    assert.equal(received, expected);
    assert.equal(server.counters.requests - start, gets);
    c.close();
  });

  it('releases item references once replies are written, so the memory can be reused', async () => {
    const small = await startOurs({ memoryLimitMiB: 1 });
    try {
      const v1 = 'a'.repeat(900_000);
      const c = await Client.connect(small.port);
      assert.equal(await c.request(`set a 0 0 ${v1.length}\r\n${v1}\r\n`), 'STORED\r\n');
      const r = await c.request('get a\r\nget a\r\n', /END\r\n.*END\r\n$/s);
      assert.equal(r.length, 2 * (`VALUE a 0 ${v1.length}\r\n`.length + v1.length + 2 + 5));
      // The only page holds "a": storing "b" needs a's memory, free only if the views were released.
      assert.equal(await c.request(`set b 0 0 ${v1.length}\r\n${v1}\r\n`), 'STORED\r\n');
      c.close();
    } finally {
      await small.close();
    }
  });

  it('keeps each connection\'s unserved input intact while other connections read into the shared receive buffer', async () => {
    assert.ok(loadNative().native, `this test covers reads into the receive buffer, which needs the native addon: ${loadNative().unavailable}`);
    // A batch bound of 1: every connection leaves requests unserved after each read, and yields to
    // the others, whose reads land in the same receive buffer before it continues.
    const small = await startOurs({ memoryLimitMiB: 16, batchBound: 1 });
    try {
      const clients = await Promise.all(Array.from({ length: 4 }, () => Client.connect(small.port)));
      const sets = (c: number) => Array.from({ length: 300 }, (_, i) => `set c${c}k${i} 0 0 ${`c${c}v${i}`.length}\r\nc${c}v${i}\r\n`).join('');
      const stored = clients.map((client, c) => {
        const text = sets(c);
        // Split mid-request, so a partial request waits across other connections' reads too.
        const cut = Math.floor(text.length / 2) + 3;
        client.socket.write(text.slice(0, cut));
        setImmediate(() => client.socket.write(text.slice(cut)));
        return client.read(/(STORED\r\n){300}$/);
      });
      for (const r of await Promise.all(stored)) assert.equal(r, 'STORED\r\n'.repeat(300));
      const gets = await Promise.all(clients.map((client, c) => client.request(Array.from({ length: 300 }, (_, i) => `get c${c}k${i}\r\n`).join(''), `c${c}v299\r\nEND\r\n`)));
      gets.forEach((r, c) => assert.equal(r, Array.from({ length: 300 }, (_, i) => `VALUE c${c}k${i} 0 ${`c${c}v${i}`.length}\r\nc${c}v${i}\r\nEND\r\n`).join('')));
      for (const c of clients) c.close();
    } finally {
      await small.close();
    }
  });

  it('serves a connection through its stream when its descriptor cannot be duplicated, and the elastic threads refuse it', async () => {
    const loaded = loadNative();
    const native = loaded.native;
    assert.ok(native, `needs the native addon: ${loaded.unavailable}`);
    // Servers take the addon when they start: these two get one whose dup fails as on EMFILE.
    loaded.native = { ...native, dup: () => {
      throw new Error('EMFILE: too many open files');
    } };
    let one: DataplaneServer, elastic: DataplaneServer;
    try {
      one = await startOurs({ memoryLimitMiB: 16 });
      elastic = await startOurs({ memoryLimitMiB: 16, threads: 2, elastic: {} });
    } finally {
      loaded.native = native;
    }
    try {
      const c = await Client.connect(one.port);
      assert.equal(await c.request('set dupfail 0 0 2\r\nok\r\nget dupfail\r\n', 'END\r\n'), 'STORED\r\nVALUE dupfail 0 2\r\nok\r\nEND\r\n');
      c.close();
      const e = await Client.connect(elastic.port);
      await e.read('never', 2000);
      assert.ok(e.closed, 'the elastic threads cannot take it: closed, not left hanging');
      assert.equal(elastic.connectionCount, 0);
    } finally {
      await one.close();
      await elastic.close();
    }
  });

  it('refuses connections over the limit with memcached\'s message', async () => {
    const limited = await startOurs({ maxConnections: 2 });
    try {
      const a = await Client.connect(limited.port);
      const b = await Client.connect(limited.port);
      await a.request('version\r\n');
      await b.request('version\r\n');
      const c = await Client.connect(limited.port);
      assert.equal(await c.read('\r\n'), 'ERROR Too many open connections\r\n');
      a.close();
      b.close();
      c.close();
    } finally {
      await limited.close();
    }
  });
});
