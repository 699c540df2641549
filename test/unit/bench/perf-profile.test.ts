import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profiledCommand, topLines } from '../../../bench/lib/perf-profile.ts';

describe('perf profiles of the servers', () => {
  it('keeps the rows of perf\'s report, without its comments and empty IPC columns', () => {
    const report = '# Samples: 155 of event \'cpu-clock\'\n#\n# Overhead  Shared Object  Symbol\n    12.90%  [kernel.kallsyms]  [k] finish_task_switch.isra.0             -      -            \n     1.99%  floor-bf6b  [.] main   -   -\n\n';
    assert.deepEqual(topLines(report, 5), ['12.90% [kernel.kallsyms] [k] finish_task_switch.isra.0', '1.99% floor-bf6b [.] main']);
    assert.equal(topLines(report, 1).length, 1);
  });

  it('has Node servers write the symbol map perf names JavaScript frames with, and leaves others alone', () => {
    const node = profiledCommand({ command: process.execPath, args: ['x.ts'] });
    assert.match(node.env?.NODE_OPTIONS ?? '', /--perf-basic-prof-only-functions/);
    assert.deepEqual(profiledCommand({ command: '/usr/bin/memcached', args: [] }), { command: '/usr/bin/memcached', args: [] });
  });
});
