// Elastic threads for real: connections spread over worker threads by flow group, the set of threads
// changes under load, and every connection keeps its requests: none lost, none reordered (each
// connection increments its own counter, so any loss or reordering breaks the sequence it reads back).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { startOurs } from './harness.ts';

const server = await startOurs({ elastic: {}, threads: 2 });
after(() => server.close());
if (!server.pool) throw new Error(`elastic threads unavailable: ${server.elasticUnavailable}`);
const pool = server.pool;

/**
 * A connection that pipelines increments of its own key and checks every reply against the value it
 * must be, in order. Bursts may overlap: several are in flight at once, more than the batch bound, so
 * a hand-off finds requests read but not yet served.
 */
class Counter {
  private readonly socket: net.Socket;
  private buffered = '';
  private sent = 0;
  private checked = 0;
  private readonly expected: string[] = [];
  private drained: (() => void)[] = [];
  errors: string[] = [];

  constructor(readonly key: string) {
    this.socket = net.connect(server.port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      let i;
      while ((i = this.buffered.indexOf('\r\n')) >= 0) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 2);
        const want = this.expected[this.checked++];
        if (line !== want) this.errors.push(`${this.key}: expected ${want}, got ${line}`);
      }
      if (this.checked === this.expected.length) for (const r of this.drained.splice(0)) r();
    });
    this.socket.on('close', () => this.errors.push(`${key}: connection closed`));
  }

  /** All replies in, or after 5 s an error naming how many never came (a lost request must fail, not hang). */
  private settled(): Promise<void> {
    if (this.checked === this.expected.length) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.errors.push(`${this.key}: ${this.expected.length - this.checked} replies never came`);
        resolve();
      }, 5_000);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async init(): Promise<void> {
    this.expected.push('STORED');
    this.socket.write(`set ${this.key} 0 0 1\r\n0\r\n`);
    await this.settled();
  }

  /** `depth` increments in one write, without waiting for earlier ones. */
  send(depth: number): void {
    for (let i = 0; i < depth; i++) this.expected.push(String(++this.sent));
    this.socket.write(`incr ${this.key} 1\r\n`.repeat(depth));
  }

  /** Keeps about `inFlight` requests outstanding until `running()` says stop, then waits for all replies. */
  async run(running: () => boolean, depth: number, inFlight: number): Promise<void> {
    while (running()) {
      while (this.expected.length - this.checked < inFlight) this.send(depth);
      await new Promise((r) => setTimeout(r, 1));
    }
    await this.settled();
  }

  get count(): number {
    return this.sent;
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}

const threadCpus = () => fs.readdirSync('/proc/self/task').map((t) => /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync(`/proc/self/task/${t}/status`, 'utf8'))?.[1]);

describe('elastic threads', () => {
  it('keeps every request of every connection, in order, while threads come and go', async () => {
    const conns = Array.from({ length: 40 }, (_, i) => new Counter(`k${i}`));
    await Promise.all(conns.map((c) => c.init()));
    let running = true;
    const traffic = Promise.all(conns.map((c) => c.run(() => running, 100, 200)));
    const sizes = [1, 3, 2, 1, 2];
    for (const n of sizes) {
      await new Promise((r) => setTimeout(r, 150));
      await pool.setActive(undefined, n);
      assert.equal(pool.activeCpus.length, n, `${n} thread(s) after the change`);
    }
    await new Promise((r) => setTimeout(r, 150));
    running = false;
    await traffic;
    const errors = conns.flatMap((c) => c.errors);
    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} errors`);
    const total = conns.reduce((s, c) => s + c.count, 0);
    assert.ok(total > 40 * 200 * 3, `traffic flowed throughout (${total} increments)`);
    // The store agrees with every client's own count.
    const check = new Counter('check');
    for (const c of conns) {
      const v = await new Promise<string>((resolve) => {
        const s = net.connect(server.port, '127.0.0.1');
        let out = '';
        s.on('data', (d) => { out += d; if (out.endsWith('END\r\n')) { s.destroy(); resolve(out); } });
        s.write(`get ${c.key}\r\n`);
      });
      assert.equal(v, `VALUE ${c.key} 0 ${String(c.count).length}\r\n${c.count}\r\nEND\r\n`);
    }
    check.close();
    for (const c of conns) c.close();
  });

  it('spreads connections over the threads by flow group', async () => {
    await pool.setActive(undefined, 2);
    const conns = Array.from({ length: 32 }, (_, i) => new Counter(`s${i}`));
    await Promise.all(conns.map((c) => c.init()));
    for (const c of conns) c.send(4);
    await Promise.all(conns.map((c) => c.run(() => false, 0, 0)));
    await new Promise((r) => setTimeout(r, 50));
    const loads = pool.loads();
    assert.equal(loads.length, 2);
    const { requests } = pool.totals();
    assert.ok(requests >= 32 * 5, `requests counted over the threads (${requests})`);
    for (const c of conns) c.close();
  });

  it('pins each thread to its CPU and follows a new CPU set', async () => {
    await pool.setActive([1]);
    assert.deepEqual(pool.activeCpus, [1]);
    assert.ok(threadCpus().includes('1'), 'a thread of this process runs on CPU 1 only');
    await pool.setActive([0, 1]);
    const cpus = threadCpus();
    assert.ok(cpus.includes('0') && cpus.includes('1'), `threads pinned to CPU 0 and CPU 1 (${cpus.join(' ')})`);
  });
});
