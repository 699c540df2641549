// The contract between the operator and the dataplane: a real `ixctl run` started with exactly the
// arguments the operator puts in its pods (only addresses and file paths swapped for local ones)
// serves memcached and its control API, reads the CPUs the operator granted, and follows changes.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPod } from '../../src/operator/dataplane/pod-builder.ts';
import { freePorts } from '../../src/lib/net.ts';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { dataplane } from '../unit/operator/fixtures.ts';
import { TEST_ENGINE, engineArgs, exchange } from './harness.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-pod-'));
const annotations = path.join(dir, 'annotations');
const tokenFile = path.join(dir, 'token');
fs.writeFileSync(annotations, 'ix.dev/cpus="2-5"\nix.dev/active-cpus="2-5"\nix.dev/numa="0"\n');
fs.writeFileSync(tokenFile, 'tok3n\n');
const [dataPort, controlPort] = await freePorts(2);

const pod = buildPod({ dp: dataplane(), name: 'cache-abcde', specHash: 'h', defaultImage: 'img', allocation: { node: 'n', numa: 0, cpus: [2, 3, 4, 5] } });
const args = [...pod.spec!.containers[0]!.args!];
const swap = (flag: string, value: string) => {
  const i = args.indexOf(flag);
  assert.ok(i >= 0, `the pod passes ${flag}`);
  args[i + 1] = value;
};
swap('--listen', '127.0.0.1');
swap('--port', String(dataPort));
swap('--control-port', String(controlPort));
swap('--cpus-from', annotations);
swap('--token-file', tokenFile);
// The suite's engine (test/run.ts runs it on each); the operator's pods leave it to auto.
args.push(...engineArgs());

const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
after(() => {
  proc.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});
const base = `http://127.0.0.1:${controlPort}`;
await waitFor('the dataplane control API', async () => {
  if (proc.exitCode !== null) throw new Error(`ixctl run exited (${proc.exitCode}): ${stderr}`);
  return (await fetch(`${base}/readyz`).catch(() => undefined))?.ok ? true : undefined;
}, 30_000);

const put = (body: { cpus: string; active?: string }, token?: string) => fetch(`${base}/v1/cores`, {
  method: 'PUT', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
});
type Load = { grantedCpus: string; activeCpus: string; engine: { name: string; reason: string }; threads: { cpu: number; pinned: boolean; queueLength: number; idle: number }[] };
const load = async () => await (await fetch(`${base}/v1/load`)).json() as Load;

describe('a dataplane started as the operator starts it', () => {
  it('serves the memcached protocol on the data port', async () => {
    const r = await exchange(dataPort!, ['set k 0 0 2\r\nhi\r\nget k\r\n'], { sentinel: false });
    assert.equal(r.bytes.toString(), 'STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n');
  });

  it('reports the grant from the annotations file and its load on /v1/load', async () => {
    const l = await load();
    assert.equal(l.grantedCpus, '2-5');
    // One elastic thread per active CPU, all within the grant (the local controller chooses how many).
    assert.ok(l.threads.length >= 1 && l.threads.length <= 4, `${l.threads.length} threads`);
    for (const t of l.threads) assert.ok(t.cpu >= 2 && t.cpu <= 5, `thread on CPU ${t.cpu}`);
    // This machine has CPUs 0-1 only: the threads say they could not be pinned rather than pretend.
    assert.ok(l.threads.every((t) => !t.pinned));
    assert.ok(l.threads[0]!.idle >= 0 && l.threads[0]!.idle <= 1);
  });

  it('takes a new grant only with the token from the token file, and an active set only within it', async () => {
    assert.equal((await put({ cpus: '2-5' })).status, 401);
    assert.equal((await put({ cpus: '2-5' }, 'wrong')).status, 401);
    assert.equal((await put({ cpus: '2-5', active: '2-9' }, 'tok3n')).status, 409);
    const grown = await put({ cpus: '2-7' }, 'tok3n');
    assert.equal(grown.status, 200);
    assert.equal((await grown.json() as { grantedCpus: string }).grantedCpus, '2-7');
    const exact = await put({ cpus: '2-5', active: '3-4' }, 'tok3n');
    assert.deepEqual(await exact.json(), { grantedCpus: '2-5', activeCpus: '3-4' });
    await waitFor('threads on CPUs 3 and 4', async () => {
      const l = await load();
      return l.threads.map((t) => t.cpu).sort().join() === '3,4' ? true : undefined;
    }, 5_000);
  });

  it('follows the grant when the kubelet rewrites the annotations file', async () => {
    // The kubelet swaps a symlink in the directory; a rename of a new file is the same event.
    // ix.dev/active-cpus there is the operator's report, not an order: only the grant counts.
    fs.writeFileSync(`${annotations}.new`, 'ix.dev/cpus="4-5"\nix.dev/active-cpus="2-3"\n');
    fs.renameSync(`${annotations}.new`, annotations);
    await waitFor('the threads to move into the new grant', async () => {
      const l = await load();
      return l.grantedCpus === '4-5' && l.threads.length >= 1 && l.threads.every((t) => t.cpu === 4 || t.cpu === 5) ? true : undefined;
    }, 5_000);
  });

  it('exposes Prometheus metrics of the store and the event loop', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^ix_dataplane_cmd_set_total 1$/m);
    assert.match(text, /^ix_dataplane_get_hits_total 1$/m);
    assert.match(text, /^ix_dataplane_requests_total 2$/m);
    assert.match(text, /^ix_dataplane_cpus_granted 2$/m, 'CPUs 4-5, granted last');
    assert.match(text, /^# TYPE ix_dataplane_queue_delay_seconds gauge$/m);
  });

  it('says which engine runs and why: once on stderr, in /v1/load and in /metrics', async () => {
    const { engine } = await load();
    // A run of the suite on io_uring that fell back to libuv must fail here, not pass on libuv.
    if (TEST_ENGINE !== 'auto') assert.equal(engine.name, TEST_ENGINE);
    assert.ok(engine.reason.length > 0);
    assert.equal(stderr.split(`ixctl run: engine ${engine.name} (${engine.reason})\n`).length, 2, `said once on stderr: ${stderr}`);
    const text = await (await fetch(`${base}/metrics`)).text();
    const info = new RegExp(`^ix_dataplane_engine_info\\{engine="${engine.name}",reason="([^"]*)"\\} 1$`, 'm').exec(text);
    assert.ok(info, `ix_dataplane_engine_info for ${engine.name} in /metrics`);
    assert.equal(info[1], engine.reason);
  });

  it('listens on nothing but the data and control ports', () => {
    const lines = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).filter(Boolean);
    const inodes = new Set(fs.readdirSync(`/proc/${proc.pid}/fd`).map((f) => { try { return fs.readlinkSync(`/proc/${proc.pid}/fd/${f}`); } catch { return ''; } }).filter((l) => l.startsWith('socket:')).map((l) => l.slice(8, -1)));
    const listening = lines.map((l) => l.trim().split(/\s+/)).filter((c) => c[3] === '0A' && inodes.has(c[9]!)).map((c) => parseInt(c[1]!.split(':')[1]!, 16)).sort();
    assert.deepEqual(listening, [dataPort, controlPort].sort());
  });
});
