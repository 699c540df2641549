import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneServer, enginesInHelp } from '../../../bench/lib/dataplane-servers.ts';

describe('bench:dataplane servers', () => {
  it('reads the engines from the dataplane\'s --engine option, none when it has none', () => {
    const help = '  -B, --batch <n>        batch bound\n  --engine <engine>      what moves the bytes: io_uring, libuv, or auto (io_uring where ...)\n';
    assert.deepEqual(enginesInHelp(help), ['io_uring', 'libuv']);
    assert.deepEqual(enginesInHelp('  -B, --batch <n>  batch bound\n'), []);
  });

  it('runs each engine by name, and says why one is absent', () => {
    const both = dataplaneServer({ engine: 'io_uring', root: '/r', offered: ['io_uring', 'libuv'] });
    assert.equal(both.name, 'dataplane-io_uring');
    assert.equal(both.absent, undefined);
    assert.deepEqual(both.command(1234, 1).args.slice(-2), ['--engine', 'io_uring']);
    // Before --engine, today's path is libuv: it runs without the option, and io_uring is absent.
    const old = dataplaneServer({ engine: 'libuv', root: '/r', offered: [] });
    assert.equal(old.absent, undefined);
    assert.ok(!old.command(1234, 1).args.includes('--engine'));
    assert.match(dataplaneServer({ engine: 'io_uring', root: '/r', offered: [] }).absent ?? '', /no --engine option: the io_uring engine has not landed/);
    assert.match(dataplaneServer({ engine: 'io_uring', root: '/r', offered: ['libuv'] }).absent ?? '', /offers libuv, not io_uring/);
    assert.equal(dataplaneServer().name, 'dataplane', 'no engine named: the dataplane\'s default');
  });
});
