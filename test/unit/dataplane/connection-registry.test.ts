// The table `stats conns` reads: slots claimed and freed, listed by descriptor, a full table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionRegistry, createConnectionTable } from '../../../src/dataplane/connection-registry.ts';

describe('connection registry', () => {
  it('lists the connections of every view of a table by descriptor, with their state and last command', () => {
    const table = createConnectionTable(4);
    const [one, two] = [new ConnectionRegistry(table), new ConnectionRegistry(table)];
    const a = one.add(30, 'tcp:127.0.0.1:5000', 'tcp:127.0.0.1:11211', 'conn_new_cmd', 100);
    two.add(12, 'tcp6:[::1]:6000', 'tcp6:[::1]:11211', 'conn_new_cmd', 100);
    one.add(7, 'tcp:127.0.0.1:11211', undefined, 'conn_listening', 90);
    a.set('conn_read');
    a.commandAt(105);
    assert.deepEqual(two.list(), [
      { fd: 7, addr: 'tcp:127.0.0.1:11211', state: 'conn_listening', lastCmd: 90 },
      { fd: 12, addr: 'tcp6:[::1]:6000', listenAddr: 'tcp6:[::1]:11211', state: 'conn_new_cmd', lastCmd: 100 },
      { fd: 30, addr: 'tcp:127.0.0.1:5000', listenAddr: 'tcp:127.0.0.1:11211', state: 'conn_read', lastCmd: 105 },
    ]);
    a.release();
    assert.deepEqual(one.list().map((r) => r.fd), [7, 12]);
  });

  it('serves connections beyond its slots unlisted, and reuses freed slots', () => {
    const table = createConnectionTable(0);
    const r = new ConnectionRegistry(table);
    const entries = Array.from({ length: 70 }, (_, i) => r.add(i, `tcp:10.0.0.1:${i}`, 'tcp:10.0.0.2:1', 'conn_read', 0));
    assert.equal(r.list().length, 64, '-c 0 leaves the 64 extra slots');
    entries[3]!.release();
    r.add(99, 'tcp:10.0.0.1:99', 'tcp:10.0.0.2:1', 'conn_read', 0);
    assert.ok(r.list().some((c) => c.fd === 99));
    entries[69]!.set('conn_closing'); // an unlisted connection's entry records nothing, and does not fail
  });
});
