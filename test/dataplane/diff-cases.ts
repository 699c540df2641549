// Runs a table of byte sequences against memcached and our server and compares the answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, normalize, bothServers } from './harness.ts';
import type { DataplaneOptions } from '../../src/dataplane/server.ts';

export interface DiffCase {
  name: string;
  send: (string | Buffer)[];
  /** false for sequences that close the connection or leave a request unfinished. */
  sentinel?: boolean;
}

export function describeDifferential(title: string, cases: DiffCase[], memcachedArgs: string[] = [], oursOptions: Partial<DataplaneOptions> = {}): void {
  describe(title, () => {
    const servers = bothServers(memcachedArgs, oursOptions);

    for (const c of cases) {
      it(c.name, async () => {
        const opts = { sentinel: c.sentinel ?? true };
        // Same starting state on both; flush_all also takes one CAS unique on both, keeping them in step.
        await exchange(servers.real.port, ['flush_all\r\n']);
        await exchange(servers.ours.port, ['flush_all\r\n']);
        const want = await exchange(servers.real.port, c.send, opts);
        const got = await exchange(servers.ours.port, c.send, opts);
        assert.equal(normalize(got.bytes.toString('latin1')), normalize(want.bytes.toString('latin1')));
        assert.equal(got.closed, want.closed, 'closed the connection like memcached');
      });
    }
  });
}
