// fast-check writes command sequences (valid, malformed, noreply, pipelined, split across writes);
// memcached and our server must answer them byte for byte the same.
//
// Left out because the answers legitimately depend on the clock or on the server's own layout:
// general stats, `me`, the mg/ma t and l flags, small TTLs, delayed flush_all, and items over the
// size limit (memcached holds that reply back until the skipped data has arrived). Also left out:
// a get with an over-long key in the middle of a pipeline, after which memcached drops the replies
// it has not sent yet (we keep them), and the flags 1.6.18 predates (E, append with N).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exchange, normalize, bothServers } from './harness.ts';

/** IX_FUZZ_RUNS=2000 for a deeper search than the suite's default. */
const RUNS = Number(process.env.IX_FUZZ_RUNS ?? 150);

const key = fc.constantFrom('a', 'b', 'c', 'num', 'k\u00e9y', 'x'.repeat(250));
const badKey = fc.constant('y'.repeat(251));
const anyKey = fc.oneof({ weight: 9, arbitrary: key }, { weight: 1, arbitrary: badKey });
const flags = fc.oneof(fc.constantFrom('0', '1', '4294967295', '4294967296', '-1', 'abc'), fc.nat().map(String));
const ttl = fc.constantFrom('0', '-1', '1000', '2592001', 'abc');
const num = fc.oneof(fc.constantFrom('0', '1', '18446744073709551615', '18446744073709551616', '-1', 'x'), fc.nat(1000).map(String));
const value = fc.oneof(fc.nat(1000).map(String), fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')), fc.constantFrom('', ' 12', '007'));
const noreply = fc.constantFrom('', ' noreply');

const storage = fc.tuple(fc.constantFrom('set', 'add', 'replace', 'append', 'prepend'), anyKey, flags, ttl, value, fc.constantFrom(0, 0, 0, 1, -1), noreply)
  .map(([cmd, k, f, t, v, lenSkew, nr]) => `${cmd} ${k} ${f} ${t} ${Buffer.byteLength(v, 'latin1') + lenSkew}${nr}\r\n${v}\r\n`);
const cas = fc.tuple(anyKey, value, fc.oneof(fc.nat(400).map(String), fc.constant('abc')), noreply)
  .map(([k, v, c, nr]) => `cas ${k} 0 0 ${Buffer.byteLength(v, 'latin1')} ${c}${nr}\r\n${v}\r\n`);
const retrieval = fc.tuple(fc.constantFrom('get', 'gets'), fc.array(key, { minLength: 0, maxLength: 4 }))
  .map(([cmd, ks]) => `${cmd}${ks.map((k) => ` ${k}`).join('')}\r\n`);
const gat = fc.tuple(fc.constantFrom('gat', 'gats'), ttl, fc.array(key, { maxLength: 3 })).map(([cmd, t, ks]) => `${cmd} ${t}${ks.map((k) => ` ${k}`).join('')}\r\n`);
const arith = fc.tuple(fc.constantFrom('incr', 'decr'), anyKey, num, noreply).map(([cmd, k, n, nr]) => `${cmd} ${k} ${n}${nr}\r\n`);
const misc = fc.oneof(
  fc.tuple(anyKey, noreply).map(([k, nr]) => `delete ${k}${nr}\r\n`),
  fc.tuple(anyKey, ttl, noreply).map(([k, t, nr]) => `touch ${k} ${t}${nr}\r\n`),
  fc.constantFrom('flush_all\r\n', 'flush_all 0\r\n', 'flush_all noreply\r\n', 'version\r\n', 'verbosity 1\r\n', 'verbosity x\r\n', '\r\n', 'bogus\r\n', 'get\r\n', 'set a\r\n', 'mn\r\n'),
);
const metaFlag = fc.constantFrom('v', 'k', 'c', 'f', 's', 'h', 'q', 'O42', 'T1000', 'N1000', 'R30', 'u', 'F3', 'I', 'MA', 'MP', 'ME', 'MR', 'MS', 'MD', 'MI', 'C1', 'D3', 'J7', 'zz');
const metaFlags = fc.uniqueArray(metaFlag, { maxLength: 4, selector: (f) => f[0] });
const meta = fc.oneof(
  fc.tuple(anyKey, metaFlags).map(([k, fs]) => `mg ${k}${fs.filter((f) => !'MCDJIF'.includes(f[0]!)).map((f) => ` ${f}`).join('')}\r\n`),
  fc.tuple(anyKey, value, metaFlags).map(([k, v, fs]) => `ms ${k} ${Buffer.byteLength(v, 'latin1')}${fs.filter((f) => !['MD', 'MI', 'N1000', 'R30'].includes(f)).map((f) => ` ${f}`).join('')}\r\n${v}\r\n`),
  fc.tuple(anyKey, metaFlags).map(([k, fs]) => `md ${k}${fs.filter((f) => 'qOkCIT'.includes(f[0]!)).map((f) => ` ${f}`).join('')}\r\n`),
  fc.tuple(anyKey, metaFlags).map(([k, fs]) => `ma ${k}${fs.filter((f) => 'vqOkcNJDM'.includes(f[0]!) && !['MA', 'MP', 'ME', 'MR', 'MS'].includes(f)).map((f) => ` ${f}`).join('')}\r\n`),
);
const command = fc.oneof({ weight: 4, arbitrary: storage }, { weight: 1, arbitrary: cas }, { weight: 3, arbitrary: retrieval },
  { weight: 1, arbitrary: gat }, { weight: 2, arbitrary: arith }, { weight: 2, arbitrary: misc }, { weight: 3, arbitrary: meta });

/** A session: commands, and where to cut the byte stream into separate writes. */
const sessionArb = fc.tuple(fc.array(command, { minLength: 1, maxLength: 25 }), fc.array(fc.nat(), { maxLength: 3 }));

function cut(text: string, cuts: number[]): Buffer[] {
  const buf = Buffer.from(text, 'latin1');
  const points = [...new Set(cuts.map((c) => c % buf.length))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out.filter((b) => b.length > 0);
}

/** A get with an over-long key drops memcached's unsent replies: keep such sequences out. */
function hasLongKeyGet(cmds: string[]): boolean {
  return cmds.some((c) => /^(get|gets|gat|gats) .*y{251}/.test(c));
}

describe('generated command sequences, byte for byte against memcached 1.6', () => {
  const servers = bothServers();

  it('answers every generated sequence the same', async () => {
    await fc.assert(fc.asyncProperty(sessionArb, async ([cmds, cuts]) => {
      fc.pre(!hasLongKeyGet(cmds));
      const chunks = cut(cmds.join(''), cuts);
      await exchange(servers.real.port, ['flush_all\r\n']);
      await exchange(servers.ours.port, ['flush_all\r\n']);
      // A data block shorter than declared swallows what follows; finish it so the sentinel is seen.
      const tail = ['\r\n'.repeat(40)];
      const want = await exchange(servers.real.port, [...chunks, ...tail]);
      const got = await exchange(servers.ours.port, [...chunks, ...tail]);
      assert.equal(normalize(got.bytes.toString('latin1')), normalize(want.bytes.toString('latin1')));
    }), { numRuns: RUNS });
  });
});
