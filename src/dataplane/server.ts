import net from 'node:net';
import { Store } from './store/store.ts';
import { Connection } from './connection.ts';
import { ServerCounters } from './counters.ts';
import type { ServerInfo } from './protocol/session.ts';
import { S } from './store/stats.ts';
import { unixNow } from './store/expiry.ts';
import { ElasticPool } from './elastic/pool.ts';
import { admitConnection } from './connection-limit.ts';
import { SHUTDOWN_MS } from './shutdown.ts';
import { duplicateSocket, loadNative } from './native.ts';
import type { Native } from './native.ts';
import { chooseEngine, openTransport, socketTransport, type EngineChoice, type EngineDecision } from './engine.ts';
import { LruCrawler } from './store/lru-crawler.ts';
import { addressText, createConnectionTable, registryFor, socketFd, type ConnectionEntry } from './connection-registry.ts';

export interface DataplaneOptions {
  port: number;
  listen: string;
  memoryLimitMiB: number;
  maxConnections: number;
  /** Accepted and reported; this step serves every connection on one event loop. */
  threads: number;
  itemSizeMax: number;
  batchBound: number;
  /** Ends the key prefix `stats detail` counts by (memcached's -D); ':' when not given. */
  prefixDelimiter?: string;
  /**
   * The LRU crawler also crawls on its own schedule (default), not only when `lru_crawler crawl`
   * asks: memcached's automatic crawls, which its LRU maintainer schedules (off: -o no_lru_maintainer).
   */
  lruAutoCrawl?: boolean;
  /** Stop reading a connection while this many bytes wait to be written to it. */
  writeHighWater?: number;
  /**
   * Serve on elastic worker threads (one per active CPU, or `threads` unpinned ones) instead of this
   * thread's event loop. Needs the native addon; without it the server says why and serves here.
   */
  elastic?: { cpus?: number[] };
  /** io_uring, libuv, or auto: io_uring where it is allowed (ADR 0019). */
  engine?: EngineChoice;
}

export const DEFAULT_OPTIONS: DataplaneOptions = {
  port: 11211,
  listen: '127.0.0.1',
  memoryLimitMiB: 64,
  maxConnections: 1024,
  threads: 4,
  itemSizeMax: 1024 * 1024,
  batchBound: 64,
  engine: 'auto',
};

/** The memcached protocol level we answer as; clients read it to decide which features exist. */
export const DATAPLANE_VERSION = '1.6.18-ix';

/** A memcached-compatible TCP server over a shared-memory store. */
export class DataplaneServer {
  readonly store: Store;
  readonly counters: ServerCounters;
  readonly info: ServerInfo;
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** The elastic threads, when this server serves on them. */
  readonly pool?: ElasticPool;
  /** Why there are no elastic threads although they were asked for. */
  readonly elasticUnavailable?: string;
  private drainingSince?: number;
  /** Duplicates accepted descriptors so that connections read into the receive buffer (see accept). */
  private readonly native?: Native;
  /** The engine every thread of this server runs, and why. */
  readonly engine: EngineDecision;
  /** Frees expired and flushed items in the background (store/lru-crawler.ts). */
  private crawler?: LruCrawler;
  /** The listener's line in `stats conns`. */
  private listenerEntry?: ConnectionEntry;

  private constructor(readonly options: DataplaneOptions) {
    this.store = Store.create({ memoryLimitMiB: options.memoryLimitMiB, itemSizeMax: options.itemSizeMax, ...(options.prefixDelimiter ? { prefixDelimiter: options.prefixDelimiter } : {}) });
    this.counters = new ServerCounters(options.batchBound);
    this.info = {
      version: DATAPLANE_VERSION,
      port: options.port,
      listen: options.listen,
      maxConnections: options.maxConnections,
      threads: options.threads,
      batchBound: options.batchBound,
      itemSizeMax: options.itemSizeMax,
      memoryLimitMiB: options.memoryLimitMiB,
      startedAt: unixNow(),
      connections: createConnectionTable(options.maxConnections),
    };
    this.engine = chooseEngine(options.engine ?? 'auto');
    if (options.elastic) {
      const pool = ElasticPool.create({ engine: this.engine.name, store: this.store, info: this.info, batchBound: options.batchBound, writeHighWater: options.writeHighWater ?? 1024 * 1024, maxConnections: options.maxConnections });
      if (typeof pool === 'string') this.elasticUnavailable = pool;
      else this.pool = pool;
    }
    if (!this.pool) this.native = loadNative().native;
    // With elastic threads this thread only accepts, and on one event loop it takes the descriptor
    // over: pauseOnConnect keeps Node from reading a byte into the socket it made.
    this.server = net.createServer({ noDelay: true, pauseOnConnect: !!this.pool || !!this.native }, (socket) => (this.pool ? this.pool.accept(socket) : this.accept(socket)));
  }

  static async start(options: Partial<DataplaneOptions> = {}): Promise<DataplaneServer> {
    const srv = new DataplaneServer({ ...DEFAULT_OPTIONS, ...options });
    await srv.pool?.setActive(srv.options.elastic?.cpus, srv.options.threads);
    await new Promise<void>((resolve, reject) => {
      srv.server.once('error', reject);
      srv.server.listen({ port: srv.options.port, host: srv.options.listen, backlog: 1024 }, () => {
        srv.server.off('error', reject);
        resolve();
      });
    });
    const addr = srv.server.address();
    if (addr && typeof addr === 'object') srv.info.port = addr.port;
    srv.listenerEntry = registryFor(srv.info.connections)!.add(socketFd(srv.server), addressText(addr && typeof addr === 'object' ? addr.address : srv.options.listen, srv.info.port), undefined, 'conn_listening', srv.info.startedAt);
    srv.crawler = new LruCrawler(srv.store, { auto: srv.options.lruAutoCrawl ?? true }).start();
    return srv;
  }

  get port(): number {
    return this.info.port;
  }

  get connectionCount(): number {
    return this.pool ? Number(Atomics.load(this.store.stats, S.curr_connections)) : this.connections.size;
  }

  private accept(socket: net.Socket): void {
    const stats = this.store.stats;
    if (!admitConnection(socket, stats, this.connections.size, this.options.maxConnections)) return;
    const options = { batchBound: this.options.batchBound, writeHighWater: this.options.writeHighWater ?? 1024 * 1024 };
    // Net.Server's sockets read through streams; one over a duplicate of the descriptor reads
    // into the receive buffer. Closing the original leaves the connection open on the duplicate.
    // Without a duplicate (out of descriptors, say) the connection is served through its stream.
    const fd = this.native ? duplicateSocket(this.native, socket) : -1;
    if (fd >= 0) socket.destroy();
    const transport = fd >= 0 ? openTransport(this.engine.name, this.native!, fd) : socketTransport(socket);
    const conn = new Connection(transport, this.store, this.info, options, this.counters);
    this.connections.add(conn);
    conn.whenClosed(() => {
      this.connections.delete(conn);
      Atomics.sub(stats, S.curr_connections, 1n);
    });
  }

  /** Set by drain(): the server still serves, but tells /readyz it is on its way out. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /**
   * The first half of a graceful stop (SIGTERM, a replica scaled in): keep serving every open
   * connection, and accepting new ones from clients whose server list is not updated yet, while
   * /readyz fails so that the pod leaves its Service's endpoints; resolves when no connection is
   * left or after `graceMs`. close() follows.
   */
  async drain(graceMs: number): Promise<void> {
    this.drainingSince ??= Date.now();
    const deadline = this.drainingSince + graceMs;
    while (this.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * Stops accepting and closes every connection gracefully (answers already written go out, then
   * FIN), giving slow readers up to a second; resolves when the listener and the threads are closed.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.listenerEntry?.release();
    await this.crawler?.stop();
    await Promise.all([...this.connections].map((c) => c.shutdown(SHUTDOWN_MS)));
    await this.pool?.close();
    await closed;
  }
}
