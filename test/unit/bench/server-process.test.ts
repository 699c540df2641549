import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ServerProcess } from '../../../bench/lib/server-process.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ServerProcess', () => {
  it('hands each complete stderr line to onStderrLine as it arrives, even when writes split lines', async () => {
    const port = await freePort();
    // Writes a line in two pieces, then two lines at once, then listens.
    const script = `
      process.stderr.write('serving with 1 elastic ');
      setTimeout(() => {
        process.stderr.write('thread(s)\\nadded an elastic thread, now 2: queue 40 > 32\\nremoved an elastic thread, now 1: idle\\n');
        require('node:net').createServer().listen(${port}, '127.0.0.1');
      }, 50);
      process.on('SIGTERM', () => process.exit(0));`;
    const lines: string[] = [];
    const proc = await ServerProcess.start('fake', port, { command: process.execPath, args: ['-e', script] }, { onStderrLine: (l) => lines.push(l) });
    try {
      // Listening and the last stderr bytes can be seen in either order.
      for (let i = 0; i < 200 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(lines, ['serving with 1 elastic thread(s)', 'added an elastic thread, now 2: queue 40 > 32', 'removed an elastic thread, now 1: idle']);
      assert.ok(proc.stderr.includes('now 2'));
      assert.ok(proc.alive);
    } finally {
      await proc.stop();
    }
    assert.ok(!proc.alive);
  });
});
