// The benchmark's floor reference (bench/floor/floor.c) must be a valid memcached server for the
// generators that measure against it, whatever way the requests are cut across reads; and both
// generators must be able to drive it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/lib/net.ts';
import { floorServer } from '../../bench/lib/dataplane-servers.ts';
import { ServerProcess } from '../../bench/lib/server-process.ts';
import { runMemcaslap } from '../../bench/lib/memcaslap.ts';
import { LoadGenerator } from '../../bench/loadgen/load-generator.ts';
import { DEFAULT_WORKLOAD } from '../../bench/loadgen/workload.ts';
import { Client } from './client.ts';

let proc: ServerProcess;

before(async () => {
  const floor = floorServer(4);
  if (floor.absent) throw new Error(`the floor server cannot be built: ${floor.absent}`);
  const port = await freePort();
  proc = await ServerProcess.start('floor', port, floor.command(port, 1));
});
after(async () => {
  await proc?.stop();
});

/** Writes the pieces one at a time (each its own segment, Nagle off) and reads until `until` matches. */
async function exchange(pieces: string[], until: RegExp): Promise<string> {
  const c = await Client.connect(proc.port);
  try {
    c.socket.setNoDelay(true);
    for (const p of pieces.slice(0, -1)) {
      c.socket.write(p);
      await new Promise((r) => setTimeout(r, 20));
    }
    return await c.request(pieces.at(-1)!, until);
  } finally {
    c.close();
  }
}

describe('the floor reference server', () => {
  it('answers get with a fixed value per key, set with STORED once its data has passed, and anything else with ERROR', async () => {
    const got = await exchange(['set k 0 0 2\r\nhi\r\nget k other\r\nversion\r\nbogus\r\n'], /ERROR\r\n$/);
    assert.equal(got, 'STORED\r\nVALUE k 0 4\r\nvvvv\r\nVALUE other 0 4\r\nvvvv\r\nEND\r\nVERSION floor-1\r\nERROR\r\n');
  });

  it('keeps a request line and a data block split across reads', async () => {
    const got = await exchange(['se', 't x 0 0 10 nore', 'ply\r\nget\r\nab', 'cde\r', '\nget y\r\n'], /END\r\n$/);
    assert.equal(got, 'VALUE y 0 4\r\nvvvv\r\nEND\r\n', 'the set\'s data "get\\r\\nabcde" is data, not a request');
  });

  it('serves both generators, with every get a hit', async () => {
    const target = { host: '127.0.0.1', port: proc.port };
    const workload = { ...DEFAULT_WORKLOAD, valueSize: 4 };
    const m = await runMemcaslap(target, workload, { connections: 8, threads: 1, seconds: 1 });
    assert.ok(m.ops > 0 && m.getMisses === 0, `memcaslap: ${JSON.stringify(m)}`);
    const gen = LoadGenerator.start(1);
    try {
      const r = await gen.run(target, workload, { rate: 2000, connections: 8, depth: 4, warmupMs: 100, durationMs: 500, drainMs: 1000, seed: 1 });
      assert.equal(r.errors + r.misses + r.unanswered, 0, JSON.stringify(r));
      assert.ok(r.count > 500, `${r.count} responses`);
    } finally {
      await gen.close();
    }
  });
});
