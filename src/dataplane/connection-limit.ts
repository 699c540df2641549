// The -c limit, enforced where connections are accepted (one event loop, or the acceptor of the
// elastic threads). Like memcached, a refused client is told why before the hang-up, and the
// refusal is counted in `stats` (rejected_connections).
import type net from 'node:net';
import { S } from './store/stats.ts';
import { SHUTDOWN_MS } from './shutdown.ts';

export const TOO_MANY_CONNECTIONS = 'ERROR Too many open connections\r\n';

/**
 * Admits `socket` when fewer than `max` connections are open (counting it in curr_connections and
 * total_connections), or refuses it. `open` is the caller's count: its own connections, or the
 * shared curr_connections of all threads.
 */
export function admitConnection(socket: net.Socket, stats: BigInt64Array, open: number, max: number): boolean {
  if (open >= max) {
    Atomics.add(stats, S.rejected_connections, 1n);
    socket.on('error', () => socket.destroy());
    socket.end(TOO_MANY_CONNECTIONS);
    // Accepted paused (the descriptor was to be handed on): read and drop what the client sends, so
    // its hang-up closes the socket; one that stays is cut off like any closing connection.
    socket.resume();
    setTimeout(() => socket.destroy(), SHUTDOWN_MS).unref();
    return false;
  }
  Atomics.add(stats, S.curr_connections, 1n);
  Atomics.add(stats, S.total_connections, 1n);
  return true;
}
