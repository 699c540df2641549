// The tools people read memcached with, run against `ixctl run` (a real dataplane process, on its
// default elastic threads) and against Debian's memcached holding the same items: Debian's
// memcached-tool (display, stats, settings, sizes, dump, keys) and libmemcached's memcstat and memcdump
// must give the same output shape, and the same values where both servers must agree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../../src/lib/net.ts';
import { FEATURES_OFF, exchange, requireTool, startMemcached } from './harness.ts';
import type { RealMemcached } from './harness.ts';
import { startIxctlRun, stopIxctlRuns } from './ixctl-run.ts';
import { GENERAL_LEFT_OUT, SETTINGS_LEFT_OUT, SETTINGS_OURS_ONLY } from './stats-text.ts';

const MEMCACHED_TOOL = '/usr/share/memcached/scripts/memcached-tool';
/** Small items (slab class 1 on both servers), one with an absolute exptime so dumps agree to the second. */
const ITEMS = 'set foo 1 0 3\r\nabc\r\nset bar 0 2000000000 2\r\nxy\r\nset baz 7 0 0\r\n\r\nget foo\r\n';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function memcachedTool(port: number, mode: string): string {
  if (!fs.existsSync(MEMCACHED_TOOL)) throw new Error(`${MEMCACHED_TOOL} is missing: these tests need Debian's memcached package (apt-get install -y memcached)`);
  requireTool('perl', 'perl');
  return run('perl', [MEMCACHED_TOOL, `127.0.0.1:${port}`, mode]);
}

/** memcached-tool stats/settings lines ("   name   value") as a map, the header left out. */
function toolFields(text: string): Map<string, string> {
  return new Map(text.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/) as [string, string]));
}

/** memcstat's "\tname: value" lines. */
function memcstatFields(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^\t(\w+): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('memcached-tool, memcstat and memcdump against ixctl run, as against memcached 1.6', () => {
  const ports = { real: 0, ours: 0 };
  let real: RealMemcached | undefined;

  before(async () => {
    requireTool('memcstat', 'libmemcached-tools');
    requireTool('memcdump', 'libmemcached-tools');
    real = await startMemcached(FEATURES_OFF);
    ports.real = real.port;
    ports.ours = await freePort();
    await startIxctlRun(['-p', String(ports.ours), '-l', '127.0.0.1', '--no-lru-autocrawl']);
    for (const port of [ports.real, ports.ours]) await exchange(port, [ITEMS]);
  });
  after(async () => {
    stopIxctlRuns();
    await real?.stop();
  });

  it('memcached-tool display: the same slab table (Max_age masked)', () => {
    const mask = (t: string) => t.replace(/^(\s*\d+\s+\S+\s+)\d+s/gm, '$1<age>s');
    const want = mask(memcachedTool(ports.real, 'display'));
    assert.match(want, /^ {2}# {2}Item_Size {2}Max_age .*\n {2}1 {6}96B +<age>s +1 +3 +no +0 +0 +0\n$/, 'memcached\'s table (test premise)');
    assert.equal(mask(memcachedTool(ports.ours, 'display')), want);
  });

  it('memcached-tool stats: the same fields, less memcached\'s internals, and the same item counts', () => {
    const want = toolFields(memcachedTool(ports.real, 'stats'));
    const got = toolFields(memcachedTool(ports.ours, 'stats'));
    assert.deepEqual([...got.keys()], [...want.keys()].filter((k) => !GENERAL_LEFT_OUT.includes(k)));
    for (const k of ['curr_items', 'total_items', 'cmd_set', 'get_hits', 'evictions', 'reclaimed', 'limit_maxbytes']) assert.equal(got.get(k), want.get(k), k);
  });

  it('memcached-tool settings and sizes: the same fields', () => {
    const want = toolFields(memcachedTool(ports.real, 'settings'));
    const got = toolFields(memcachedTool(ports.ours, 'settings'));
    assert.deepEqual([...got.keys()].filter((k) => !SETTINGS_OURS_ONLY.includes(k)), [...want.keys()].filter((k) => !SETTINGS_LEFT_OUT.test(k)));
    const sizes = (port: number) => memcachedTool(port, 'sizes').replace(/^#\S+/, '#<server>');
    assert.equal(sizes(ports.ours), sizes(ports.real));
  });

  it('memcached-tool dump: the same add commands for the same items', () => {
    const sorted = (t: string) => t.replace(/^add /gm, '\0add ').split('\0').sort().join('');
    const want = sorted(memcachedTool(ports.real, 'dump'));
    assert.match(want, /add bar 0 2000000000 2\r?\nxy\r?\n/, 'memcached dumps the items (test premise)');
    assert.equal(sorted(memcachedTool(ports.ours, 'dump')), want);
  });

  it('memcached-tool keys: the same keys, expiry and fetched flags (times, CAS, class and size masked)', () => {
    const keys = (port: number) => memcachedTool(port, 'keys').split('\n').filter(Boolean)
      .map((l) => l.replace(/ la=\d+ cas=\d+ /, ' la=<t> cas=<n> ').replace(/ cls=\d+ size=\d+$/, ' cls=<c> size=<n>')).sort();
    const want = keys(ports.real);
    assert.deepEqual(want.map((l) => /^key=(\S+) exp=(\S+)/.exec(l)!.slice(1).join(' ')), ['bar 2000000000', 'baz -1', 'foo -1'], 'memcached lists the three (test premise)');
    assert.deepEqual(keys(ports.ours), want);
  });

  it('memcstat: the same fields, less memcached\'s internals, and the same counts; --analyze reports alike', () => {
    const want = memcstatFields(run('memcstat', [`--servers=127.0.0.1:${ports.real}`]));
    const got = memcstatFields(run('memcstat', [`--servers=127.0.0.1:${ports.ours}`]));
    assert.deepEqual([...got.keys()], [...want.keys()].filter((k) => !GENERAL_LEFT_OUT.includes(k)));
    for (const k of ['curr_items', 'total_items', 'cmd_get', 'get_hits', 'get_misses']) assert.equal(got.get(k), want.get(k), k);
    // Item sizes follow each server's item layout; the report's lines are the same.
    const analyze = (port: number) => run('memcstat', [`--servers=127.0.0.1:${port}`, '--analyze']).replace(/: \d+ bytes/g, ': <n> bytes');
    assert.equal(analyze(ports.ours), analyze(ports.real));
  });

  it('memcdump: the same keys', () => {
    const keys = (port: number) => run('memcdump', [`--servers=127.0.0.1:${port}`]).split('\n').filter(Boolean).sort();
    assert.deepEqual(keys(ports.ours), keys(ports.real));
    assert.deepEqual(keys(ports.real), ['bar', 'baz', 'foo'], 'memcached lists the three (test premise)');
  });
});

describe('memcached-tool display after evictions, against memcached 1.6 (both at 2 MiB)', () => {
  const ports = { real: 0, ours: 0 };
  let real: RealMemcached | undefined;

  before(async () => {
    real = await startMemcached([...FEATURES_OFF, '-m', '2']);
    ports.real = real.port;
    ports.ours = await freePort();
    await startIxctlRun(['-p', String(ports.ours), '-l', '127.0.0.1', '-m', '2', '--no-lru-autocrawl']);
  });
  after(async () => {
    stopIxctlRuns();
    await real?.stop();
  });

  it('shows the evictions in the Evicted column, as memcached does', async () => {
    // 400 KB items, two to a page on both servers: the fifth evicts the first.
    const big = 'y'.repeat(400 * 1024);
    const sets = Array.from({ length: 5 }, (_, i) => `set e${i} 0 0 ${big.length}\r\n${big}\r\n`);
    for (const port of [ports.real, ports.ours]) await exchange(port, sets);
    // Item sizes, ages and class ids follow each server's slab sizes.
    const row = (port: number) => memcachedTool(port, 'display').split('\n')[1]!.trim().split(/\s+/);
    const [want, got] = [row(ports.real), row(ports.ours)];
    const columns = (r: string[]) => ({ pages: r[3], count: r[4], full: r[5], evicted: r[6], oom: r[8] });
    assert.equal(columns(want).evicted, '1', 'memcached evicted one (test premise)');
    assert.deepEqual(columns(got), columns(want));
  });
});
