import type { Store } from '../store/store.ts';
import { CommandOutcome } from '../store/store.ts';
import { Output } from './output.ts';
import { Tokens } from './tokens.ts';
import { MetaFlags } from './meta-flags.ts';

/** What the protocol needs to know about the server it runs in (for stats, version, limits). */
export interface ServerInfo {
  version: string;
  port: number;
  listen: string;
  maxConnections: number;
  threads: number;
  batchBound: number;
  itemSizeMax: number;
  memoryLimitMiB: number;
  startedAt: number;
  /** The table `stats conns` lists (connection-registry.ts); shared by every thread of the server. */
  connections?: SharedArrayBuffer;
}

/**
 * Protocol state of one connection. It holds no socket: the connection feeds it bytes and writes
 * what it collects in `out`, so it can run on any thread's event loop.
 */
export class Session {
  readonly out = new Output();
  readonly tokens = new Tokens();
  readonly meta = new MetaFlags();
  /** What the store reports besides result codes (CAS uniques, counter values), reused by every request. */
  readonly outcome = new CommandOutcome();
  /** Holds a base64-decoded meta key (at most 250 bytes of key, so 188 decoded). */
  readonly keyScratch = Buffer.alloc(256);
  /** The current command said noreply: its replies (errors included, as in memcached) are dropped. */
  noreply = false;
  /** Bytes of a refused data block still to discard (memcached's conn_swallow). */
  swallow = 0;
  /** Bytes from the start of the current request that must be buffered before it can be handled. */
  needBytes = 0;
  /** needBytes waits for a storage command's data block, not for the rest of a line (memcached's conn_nread). */
  awaitingValue = false;
  /** Close after writing the replies gathered so far (quit, or input memcached would close on). */
  closing = false;

  constructor(readonly store: Store, readonly info: ServerInfo) {}

  /** A reply line, unless the command said noreply. */
  reply(line: string): void {
    if (!this.noreply) this.out.line(line);
  }

  /** An error line that memcached sends even after noreply. */
  error(line: string): void {
    this.out.line(line);
  }
}
