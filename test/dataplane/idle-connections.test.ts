// 10,000 idle connections (some with half-sent requests) against a real `ixctl run` on elastic
// threads: they cost little memory, and a new connection is still answered at once.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../../src/lib/net.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { startIxctlRun, stopIxctlRuns } from './ixctl-run.ts';

const IDLE = 10_000;
const port = await freePort();
const { proc } = await startIxctlRun(['-p', String(port), '-t', '2', '--no-elastic-control', '-c', String(IDLE + 100)]);
after(stopIxctlRuns);
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1]);

// The thread count is fixed (--no-elastic-control): the flood of connects is load, and a local
// controller would add a thread, hand half the flows over and take it away again; the garbage those
// hand-offs leave is transient and would be measured instead of what an idle connection costs. The
// hand-offs themselves are proven loss-free in elastic.test.ts. RSS is read once it has settled (two
// readings a second apart within 1%), not while the heaps are still giving back accept-time garbage.
async function settledRssKiB(): Promise<number> {
  let last = rssKiB();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rssKiB();
    if (Math.abs(now - last) <= last * 0.01) return now;
    last = now;
  }
  return last;
}

function ask(line: string): Promise<{ reply: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d;
      if (out.endsWith('\r\n')) {
        s.destroy();
        resolve({ reply: out, ms: performance.now() - t0 });
      }
    });
    s.on('error', reject);
    s.write(line);
  });
}

describe('idle connections', () => {
  it(`holds ${IDLE} idle connections cheaply and keeps answering`, async () => {
    const before = await settledRssKiB();
    const idle: net.Socket[] = [];
    for (let i = 0; i < IDLE; i += 500) {
      const batch = await Promise.all(Array.from({ length: 500 }, (_, j) => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
          // Every tenth leaves a request half-sent: it must cost no more than its bytes.
          if ((i + j) % 10 === 0) s.write('set half 0 0 10\r\nabc');
          resolve(s);
        });
        s.on('error', reject);
      })));
      idle.push(...batch);
    }
    await waitFor('the server to count them', async () => {
      const { reply } = await ask('version\r\n');
      return reply.startsWith('VERSION') ? true : undefined;
    });
    const stats = () => new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let out = '';
      s.on('data', (d) => { out += d; if (out.endsWith('END\r\n')) { s.destroy(); resolve(out); } });
      s.write('stats\r\n');
    });
    // The idle ones and this stats connection. The probe connections above close on the server's
    // threads a moment after the client drops them, so the count is read until it has settled.
    let last = '';
    await waitFor(`curr_connections ${IDLE + 1}`, async () => {
      last = await stats();
      return new RegExp(`STAT curr_connections ${IDLE + 1}\\r\\n`).test(last) ? true : undefined;
    }, 10_000, 100).catch(() => assert.fail(`curr_connections never settled at ${IDLE + 1}: ${/STAT curr_connections \d+/.exec(last)?.[0]}`));
    const { reply, ms } = await ask('version\r\n');
    assert.match(reply, /^VERSION /);
    assert.ok(ms < 1000, `a new connection answered in ${ms.toFixed(1)} ms`);
    const perConnection = (((await settledRssKiB()) - before) * 1024) / IDLE;
    assert.ok(perConnection < 16 * 1024, `${(perConnection / 1024).toFixed(1)} KiB of server memory per idle connection`);
    process.stderr.write(`# ${IDLE} idle connections: ${(perConnection / 1024).toFixed(1)} KiB each, new request answered in ${ms.toFixed(1)} ms\n`);
    for (const s of idle) s.destroy();
  });
});
