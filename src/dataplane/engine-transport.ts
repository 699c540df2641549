// The seam between a connection's logic (connection.ts: batches, backpressure, input limits,
// migration, shutdown) and the engine that moves its bytes (ADR 0019): libuv sockets
// (engine-libuv.ts) or the thread's io_uring ring (engine-uring.ts).

/** What a transport tells its connection. */
export interface TransportEvents {
  /** Input; a chunk for which `transient` is true is valid only until this returns. */
  data(chunk: Buffer): void;
  /** Every write so far has completed. */
  drain(): void;
  /** The connection is closed (on this thread): no more events. */
  close(): void;
}

/** Who is connected, for `stats conns` (a net.Socket's fields, and the descriptor). */
export interface Peer {
  fd: number;
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

export interface Transport {
  readonly peer: Peer;
  /** Starts reading; events go to `events` from now on. */
  start(events: TransportEvents): void;
  /** The chunk is a view of memory the engine reuses once `data` returns (copy what stays). */
  transient(chunk: Buffer): boolean;
  /** Queues the chunks as one write, in order after earlier writes; `done` once it completed. */
  write(chunks: Buffer[], done?: () => void): void;
  /** Bytes queued or in flight. */
  readonly writableLength: number;
  readonly destroyed: boolean;
  /** Stops reading: what the kernel holds stays there (TCP flow control slows the client). */
  pause(): void;
  resume(): void;
  /**
   * After pause(): resolves once every earlier write has completed and no read is in flight, so
   * that no byte arrives after it (a flow-group migration hands the connection over then).
   */
  quiesce(): Promise<void>;
  /** Input the engine read from the kernel but has not delivered (none but a stream's). */
  takeUnread(): Buffer[];
  /** A second descriptor for the connection (another thread's), or -1. */
  duplicate(): number;
  /** Closes once queued writes are out: FIN, then close. */
  end(): void;
  /** Closes this thread's handle without touching the connection (after duplicate()). */
  abandon(): void;
  /** Closes now. */
  destroy(): void;
}
