// The native addon on this machine: CI builds it (npm run setup:test), so here it must load; each
// capability the elastic threads rely on is exercised for real.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { loadNative, NATIVE_PATH } from '../../../src/dataplane/native.ts';

const { native, unavailable } = loadNative();
if (!native) throw new Error(`${unavailable}`);
const fdOf = (s: net.Socket | net.Server) => (s as unknown as { _handle: { fd: number } })._handle.fd;

describe('native addon', () => {
  it(`loads from ${NATIVE_PATH}`, () => {
    assert.equal(typeof native.dup, 'function');
  });

  it('hands a live connection to a worker thread through dup, without losing bytes', async () => {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = net.connect(port, '127.0.0.1');
    const socket = await accepted;
    const fd = native.dup(fdOf(socket));
    socket.destroy(); // this thread lets go; the duplicate keeps the connection open
    // The worker wraps the descriptor and echoes in upper case.
    const worker = new Worker(`
      const net = require('node:net');
      const { workerData } = require('node:worker_threads');
      const s = new net.Socket({ fd: workerData.fd, readable: true, writable: true });
      s.on('data', (d) => s.write(d.toString().toUpperCase()));
      s.on('end', () => s.end());`, { eval: true, workerData: { fd } });
    client.write('hello ');
    client.write('worker');
    let got = '';
    await new Promise<void>((resolve) => client.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= 12) resolve();
    }));
    assert.equal(got, 'HELLO WORKER');
    client.end();
    await new Promise((r) => worker.once('exit', r));
    server.close();
  });

  it('pins the calling thread only', async () => {
    const before = native.getAffinity();
    assert.ok(before.length >= 1);
    const cpu = before[before.length - 1]!;
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const n = require(workerData.path);
      n.setAffinity([workerData.cpu]);
      parentPort.postMessage(n.getAffinity());`, { eval: true, workerData: { path: NATIVE_PATH, cpu } });
    const inWorker = await new Promise((r) => worker.once('message', r));
    assert.deepEqual(inWorker, [cpu]);
    assert.deepEqual(native.getAffinity(), before, 'the main thread keeps its CPUs');
    assert.throws(() => native.setAffinity([-1]), /out of range/);
    assert.throws(() => native.setAffinity([]), /non-empty array/);
  });

  it('opens SO_REUSEPORT listeners on one port, among which the kernel spreads connections', async () => {
    const first = native.reusePortListen('127.0.0.1', 0, 64);
    const a = net.createServer();
    await new Promise<void>((r) => a.listen({ fd: first }, r));
    const port = (a.address() as net.AddressInfo).port;
    const b = net.createServer();
    await new Promise<void>((r) => b.listen({ fd: native.reusePortListen('127.0.0.1', port, 64) }, r));
    const counts = { a: 0, b: 0 };
    a.on('connection', (s) => { counts.a++; s.destroy(); });
    b.on('connection', (s) => { counts.b++; s.destroy(); });
    for (let i = 0; i < 64; i++) {
      await new Promise<void>((r) => net.connect(port, '127.0.0.1').on('close', () => r()).on('error', () => r()));
    }
    assert.equal(counts.a + counts.b, 64);
    assert.ok(counts.a > 0 && counts.b > 0, `both listeners accepted (${counts.a}/${counts.b})`);
    assert.throws(() => native.reusePortListen('::1', port, 1), /IPv4/);
    a.close();
    b.close();
  });
});
