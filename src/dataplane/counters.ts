/** Traffic counters of one connection, kept for the load metrics of the next steps. */
export class ConnectionCounters {
  requests = 0;
  batches = 0;
  bytesRead = 0;
  bytesWritten = 0;
}

/**
 * Counters of all connections a thread serves: requests, batches, bytes and the distribution of
 * batch sizes (index = requests in the batch, capped at the bound), for the congestion metrics.
 */
export class ServerCounters {
  requests = 0;
  batches = 0;
  bytesRead = 0;
  bytesWritten = 0;
  /** Batches that hit the bound and were continued on setImmediate. */
  yields = 0;
  readonly batchSizes: Uint32Array;

  constructor(readonly batchBound: number) {
    this.batchSizes = new Uint32Array(batchBound + 1);
  }
}
