// `stats conns` against Debian's memcached 1.6: the same lines for the listener and for clients in
// each state a connection can be left in (nothing sent yet, idle after a command, a data block on
// its way, a refused data block being discarded, the asking connection itself), numbered by
// descriptor; and with ours on elastic threads, every thread's connections in one answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FEATURES_OFF, bothServers } from './harness.ts';
import { addressText } from '../../src/dataplane/connection-registry.ts';

/** A client that sends `first` and keeps the connection open, reading whatever comes. */
async function client(port: number, first: string): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('data', () => {});
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  if (first) s.write(first);
  return s;
}

async function statsConns(port: number): Promise<string> {
  const s = await client(port, 'stats conns\r\n');
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString('latin1')));
  for (let i = 0; i < 100 && !text.endsWith('END\r\n'); i++) await sleep(20);
  s.destroy();
  return text;
}

/**
 * Descriptors become their order, ports named (the listener's, each client's by order), and the
 * seconds since the last command "0" or "n" (1 s and more: clocks tick apart on the two servers).
 */
function normalize(text: string, listenPort: number): string {
  const fds = new Map<string, number>();
  const ports = new Map<string, number>();
  return text
    .replace(/^STAT (\d+):/gm, (_, fd: string) => `STAT #${fds.get(fd) ?? fds.set(fd, fds.size).get(fd)}:`)
    .replace(/:(\d+)$/gm, (_, p: string) => (Number(p) === listenPort ? ':<listen>' : `:<client ${ports.get(p) ?? ports.set(p, ports.size).get(p)}>`))
    .replace(/secs_since_last_cmd (\d+)/g, (_, n: string) => `secs_since_last_cmd ${n === '0' ? '0' : 'n'}`);
}

/** Larger than both servers' 1 MiB item limit: refused at its line, and its data swallowed. */
const TOO_LARGE = 'set big 0 0 2000000\r\n';

describe('stats conns against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF);

  it('lists the listener and each client in memcached\'s states and format', async () => {
    const answers: string[] = [];
    for (const port of [servers.real.port, servers.ours.port]) {
      // One at a time, so that descriptors are handed out in this order on both.
      const clients = [
        await client(port, 'set waiting 0 0 6\r\nabc'),
        await client(port, 'get nothing\r\n'),
        await client(port, ''),
        await client(port, `${TOO_LARGE}${'x'.repeat(1000)}`),
      ];
      await sleep(1200); // every one of them a second past its last command
      answers.push(normalize(await statsConns(port), port));
      for (const c of clients) c.destroy();
      await sleep(100);
    }
    assert.match(answers[0]!, /state conn_nread\r\n.*state conn_read\r\n.*state conn_new_cmd\r\n.*state conn_swallow\r\n.*state conn_parse_cmd\r\n/s, 'memcached\'s states (test premise)');
    // The listener's seconds count from each server's start.
    const listener = (t: string) => t.replace(/^(STAT #0:secs_since_last_cmd) \S+$/m, '$1 <since start>');
    assert.equal(listener(answers[1]!), listener(answers[0]!));
  });

  it('writes IPv6 peers as memcached does', () => {
    assert.equal(addressText('::1', 11211), 'tcp6:[::1]:11211');
    assert.equal(addressText('10.1.2.3', 80), 'tcp:10.1.2.3:80');
  });
});

describe('stats conns over elastic threads, against memcached 1.6', () => {
  const servers = bothServers(FEATURES_OFF, { elastic: {}, threads: 3 });

  it('one answer lists the connections of every thread', async () => {
    const counts: number[] = [];
    for (const port of [servers.real.port, servers.ours.port]) {
      // 12 connections over 64 flow groups: spread over the three threads.
      const clients = await Promise.all(Array.from({ length: 12 }, (_, i) => client(port, `get k${i}\r\n`)));
      await sleep(200);
      const text = await statsConns(port);
      counts.push([...text.matchAll(/^STAT \d+:state conn_read\r$/gm)].length);
      for (const c of clients) c.destroy();
      await sleep(100);
    }
    assert.ok(servers.ours.pool, 'ours serves on elastic threads (test premise)');
    assert.deepEqual(counts, [12, 12]);
  });
});
