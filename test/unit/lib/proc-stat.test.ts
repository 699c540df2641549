// /proc/<pid>/stat as read for the sim's daemons and the benches' CPU figures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { processCpuMs, processState } from '../../../src/lib/proc-stat.ts';

describe('proc-stat', () => {
  it('reads this process: running, and the CPU it spends', () => {
    assert.equal(processState(process.pid), 'R');
    const before = processCpuMs(process.pid);
    const until = Date.now() + 100;
    while (Date.now() < until) { /* busy: at least a few ticks of CPU */ }
    assert.ok(processCpuMs(process.pid) >= before + 50, 'a 100 ms busy loop shows as CPU time');
  });

  it('throws for a process that is not there', () => {
    assert.throws(() => processState(2 ** 22 + 1));
  });
});
