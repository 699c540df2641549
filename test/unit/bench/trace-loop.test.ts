import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { combineTrace } from '../../../bench/loadgen/load-generator.ts';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '../../../bench/loadgen/histogram.ts';
import type { TraceWorkerReport } from '../../../bench/loadgen/messages.ts';
import { runTrace, sharedClockMs } from '../../../bench/loadgen/trace-loop.ts';
import { runOpenLoop } from '../../../bench/loadgen/open-loop.ts';
import { Workload } from '../../../bench/loadgen/workload.ts';

function report(windows: { latency: number; n: number }[], extra: Partial<TraceWorkerReport> = {}): TraceWorkerReport {
  const zeros = () => windows.map(() => 0);
  return {
    scheduled: windows.map((w) => w.n),
    completed: windows.map((w) => w.n),
    errors: zeros(), misses: zeros(), unanswered: zeros(), unsent: zeros(), lagMs: zeros(),
    histograms: windows.map((w) => {
      if (w.n === 0) return '';
      const h = createLatencyHistogram();
      for (let i = 0; i < w.n; i++) recordMicros(h, w.latency);
      return encodeHistogram(h);
    }),
    ...extra,
  };
}

describe('combineTrace', () => {
  it('sums counters window by window and takes percentiles of the merged histograms', () => {
    // Worker A fast in window 0, worker B slow in window 0; window 1 empty for both; window 2 only A.
    const a = report([{ latency: 100, n: 990 }, { latency: 0, n: 0 }, { latency: 200, n: 50 }], { errors: [1, 0, 2], unsent: [0, 0, 5], lagMs: [0.5, 0, 3], firstError: 'SERVER_ERROR out of memory' });
    const b = report([{ latency: 9000, n: 10 }, { latency: 0, n: 0 }, { latency: 0, n: 0 }], { unanswered: [3, 0, 0], lagMs: [7, 0, 1] });
    const r = combineTrace({ rates: [10_000, 0, 500], windowMs: 100, startAt: 42 }, [a, b]);
    assert.equal(r.windows.length, 3);
    assert.equal(r.startAt, 42);
    const [w0, w1, w2] = r.windows;
    assert.equal(w0!.offered, 10_000);
    assert.equal(w0!.scheduled, 1000);
    assert.equal(w0!.completed, 1000);
    assert.equal(w0!.achieved, 10_000); // 1000 responses in 100 ms
    assert.equal(w0!.count, 1000);
    assert.equal(w0!.p50, 100);
    assert.ok(Math.abs(w0!.p99 - 100) <= 1, `p99 ${w0!.p99}`); // the 990th of 1000 is still fast
    assert.ok(Math.abs(w0!.max - 9000) <= 9);
    assert.equal(w0!.errors, 1);
    assert.equal(w0!.unanswered, 3);
    assert.equal(w0!.lagMs, 7);
    assert.equal(w1!.count, 0);
    assert.ok(Number.isNaN(w1!.p99));
    assert.equal(w1!.achieved, 0);
    assert.equal(w2!.count, 50);
    assert.equal(w2!.unsent, 5);
    assert.equal(r.overall.count, 1050);
    assert.deepEqual(r.totals, { scheduled: 1050, completed: 1050, errors: 3, misses: 0, unanswered: 3, unsent: 5 });
    assert.equal(r.maxSendLagMs, 7);
    assert.equal(r.firstError, 'SERVER_ERROR out of memory');
  });
});

// A minimal memcached stand-in: every get misses, every set is stored; `stall` holds answers back.
let server: net.Server;
let port = 0;
let stall = false;
const held: (() => void)[] = [];
before(async () => {
  server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let out = '';
      for (;;) {
        const nl = buf.indexOf('\r\n');
        if (nl < 0) break;
        const line = buf.slice(0, nl);
        if (line.startsWith('set ')) {
          const bytes = Number(line.split(' ')[4]);
          if (buf.length < nl + 2 + bytes + 2) break;
          buf = buf.slice(nl + 2 + bytes + 2);
          out += 'STORED\r\n';
        } else {
          buf = buf.slice(nl + 2);
          out += 'END\r\n';
        }
      }
      if (!out) return;
      if (stall) held.push(() => sock.write(out));
      else sock.write(out);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

const workload = new Workload({ keys: 100, keySize: 10, valueSize: 8, getRatio: 0.5 });

describe('runTrace against a loopback server', () => {
  it('counts every request in its window, none in a window of rate 0, and loses none', async () => {
    const rates = [2000, 0, 4000];
    const r = await runTrace({ host: '127.0.0.1', port }, workload, { rates, windowMs: 100, connections: 4, depth: 1, drainMs: 500, seed: 5, startAt: sharedClockMs() + 100 });
    assert.equal(r.scheduled[1], 0);
    assert.ok(r.scheduled[0]! > 120 && r.scheduled[0]! < 300, `window 0 scheduled ${r.scheduled[0]}`);
    assert.ok(r.scheduled[2]! > 280 && r.scheduled[2]! < 520, `window 2 scheduled ${r.scheduled[2]}`);
    assert.equal(r.histograms[1], '');
    assert.notEqual(r.histograms[0], '');
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    assert.equal(sum(r.unanswered) + sum(r.errors), 0);
    // Responses are counted when they arrive within the trace: all but those of its last moments.
    assert.ok(sum(r.completed) <= sum(r.scheduled) && sum(r.completed) >= 0.9 * sum(r.scheduled), `completed ${sum(r.completed)} of ${sum(r.scheduled)}`);
    assert.ok(sum(r.misses) > 0); // gets of keys never set
  });

  it('counts requests never answered as unanswered in the window they were scheduled in', async () => {
    stall = true;
    try {
      const r = await runTrace({ host: '127.0.0.1', port }, workload, { rates: [0, 3000], windowMs: 50, connections: 2, depth: 2, drainMs: 50, seed: 9, startAt: sharedClockMs() + 50 });
      assert.equal(r.unanswered[0], 0);
      assert.ok(r.unanswered[1]! > 0);
      assert.equal(r.unanswered[1], r.scheduled[1]);
      assert.equal(r.scheduled[1]! % 2, 0); // batches of depth 2
      assert.notEqual(r.histograms[1], ''); // counted at least as late as the give-up time
    } finally {
      stall = false;
      held.length = 0;
    }
  });
});

describe('runOpenLoop (the step mode shares the send loop and the drain)', () => {
  it('measures a step against a loopback server', async () => {
    const r = await runOpenLoop({ host: '127.0.0.1', port }, workload, { rate: 5000, connections: 3, depth: 1, warmupMs: 50, durationMs: 200, drainMs: 500, seed: 3 });
    assert.ok(r.scheduled > 700 && r.scheduled < 1300, `scheduled ${r.scheduled}`);
    assert.equal(r.unanswered + r.errors, 0);
    assert.ok(r.completedInWindow > 600, `completed ${r.completedInWindow}`);
    // Warm-up and window together: every request sent was answered on this idle loopback server.
    assert.ok(r.completedTotal > r.completedInWindow && r.completedTotal >= r.scheduled, `completed in all ${r.completedTotal}`);
  });
});
