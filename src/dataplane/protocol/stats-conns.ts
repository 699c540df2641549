// `stats conns`: memcached's lines per connection (memcached.c, process_stats_conns), from the
// table every thread's connections are registered in (connection-registry.ts), so one request
// lists the connections of all elastic threads.
import type { Session } from './session.ts';
import { registryFor } from '../connection-registry.ts';

export function connsStats(s: Session): void {
  const now = s.store.now();
  for (const c of registryFor(s.info.connections)?.list() ?? []) {
    const p = `STAT ${c.fd}:`;
    s.out.line(`${p}addr ${c.addr}`);
    if (c.listenAddr !== undefined) s.out.line(`${p}listen_addr ${c.listenAddr}`);
    s.out.line(`${p}state ${c.state}`);
    s.out.line(`${p}secs_since_last_cmd ${now - c.lastCmd}`);
  }
  s.out.line('END');
}
