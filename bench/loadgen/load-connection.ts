/**
 * One client connection of the generator: writes request batches and matches responses to them in
 * order. memcached answers a connection's requests in order, so a FIFO of scheduled times is all
 * the bookkeeping needed.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseParser } from './response-parser.ts';
import type { ResponseKind } from './response-parser.ts';
import type { Target } from './messages.ts';

export type ResponseHandler = (kind: ResponseKind, scheduledMs: number, receivedMs: number, errorLine?: string) => void;

export class LoadConnection {
  // A growable ring would save a little; an array with a moving head is simpler and, since the
  // head resets whenever the queue empties, does not grow without bound under normal load.
  private queue: number[] = [];
  private head = 0;
  private now = 0;
  private readonly parser: ResponseParser;
  failure: Error | undefined;

  private constructor(private readonly socket: net.Socket, private readonly handler: ResponseHandler, private readonly onFailure?: (err: Error) => void) {
    this.parser = new ResponseParser((kind, errorLine) => {
      if (this.head >= this.queue.length) throw new Error('response without a request');
      const scheduled = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.handler(kind, scheduled, this.now, errorLine);
    });
    socket.on('data', (chunk: Buffer) => {
      // One timestamp per chunk: every response in it reached us at the same moment.
      this.now = performance.now();
      try {
        this.parser.push(chunk);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      if (this.outstanding > 0) this.fail(new Error(`connection closed with ${this.outstanding} requests unanswered`));
    });
  }

  static connect(target: Target, handler: ResponseHandler, onFailure?: (err: Error) => void): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      // Nagle's algorithm would hold back small requests while earlier ones are unacknowledged.
      const socket = net.createConnection({ host: target.host, port: target.port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LoadConnection(socket, handler, onFailure));
      });
    });
  }

  get outstanding(): number {
    return this.queue.length - this.head;
  }

  /** Sends `count` requests in one write; all of them are due at `scheduledMs`. */
  send(payload: Buffer, count: number, scheduledMs: number): void {
    if (this.failure) return;
    for (let i = 0; i < count; i++) this.queue.push(scheduledMs);
    this.socket.write(payload);
  }

  /** Scheduled times of requests still waiting for a response, oldest first. */
  pending(): number[] {
    return this.queue.slice(this.head);
  }

  close(): void {
    this.queue = [];
    this.head = 0;
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    this.onFailure?.(err);
  }
}
