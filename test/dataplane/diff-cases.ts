// Runs a table of byte sequences against memcached and our server and compares the answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, normalize, startMemcached, startOurs } from './harness.ts';
import type { RealMemcached } from './harness.ts';
import type { DataplaneServer } from '../../src/dataplane/server.ts';

export interface DiffCase {
  name: string;
  send: (string | Buffer)[];
  /** false for sequences that close the connection or leave a request unfinished. */
  sentinel?: boolean;
}

export function describeDifferential(title: string, cases: DiffCase[]): void {
  describe(title, () => {
    let real: RealMemcached;
    let ours: DataplaneServer;
    before(async () => {
      real = await startMemcached();
      ours = await startOurs();
    });
    after(async () => {
      await real?.stop();
      await ours?.close();
    });

    for (const c of cases) {
      it(c.name, async () => {
        const opts = { sentinel: c.sentinel ?? true };
        // Same starting state on both; flush_all also takes one CAS unique on both, keeping them in step.
        await exchange(real.port, ['flush_all\r\n']);
        await exchange(ours.port, ['flush_all\r\n']);
        const want = await exchange(real.port, c.send, opts);
        const got = await exchange(ours.port, c.send, opts);
        assert.equal(normalize(got.bytes.toString('latin1')), normalize(want.bytes.toString('latin1')));
        assert.equal(got.closed, want.closed, 'closed the connection like memcached');
      });
    }
  });
}
