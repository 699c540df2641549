// The libuv engine: a net.Socket per connection, over a descriptor read into the thread's receive
// buffer (receive-buffer.ts, ADR 0011), or an accepted socket read through its stream (no addon).
import type net from 'node:net';
import { inReceiveBuffer, receivingSocket } from './receive-buffer.ts';
import { descriptorOf, duplicateSocket, type Native } from './native.ts';
import type { Peer, Transport, TransportEvents } from './engine-transport.ts';

export class LibuvTransport implements Transport {
  private events?: TransportEvents;
  private readonly socket: net.Socket;

  /** Over an open descriptor (it becomes the socket's), read into the receive buffer. */
  static fromFd(fd: number, native: Native | undefined): LibuvTransport {
    // The callback runs on the first read, after start().
    const t: LibuvTransport = new LibuvTransport(receivingSocket(fd, (chunk) => t.events!.data(chunk)), native, true);
    return t;
  }

  /** Over an accepted socket, read through 'data' events (accepted paused: start() resumes it). */
  static fromSocket(socket: net.Socket, native: Native | undefined): LibuvTransport {
    return new LibuvTransport(socket, native, false);
  }

  private constructor(socket: net.Socket, private readonly native: Native | undefined, private readonly receiving: boolean) {
    this.socket = socket;
  }

  get peer(): Peer {
    const s = this.socket;
    return { fd: descriptorOf(s), remoteAddress: s.remoteAddress, remotePort: s.remotePort, localAddress: s.localAddress, localPort: s.localPort };
  }

  start(events: TransportEvents): void {
    this.events = events;
    const socket = this.socket;
    socket.setNoDelay(true);
    if (!this.receiving) {
      socket.on('data', (chunk: Buffer) => events.data(chunk));
      socket.resume();
    }
    socket.on('drain', () => events.drain());
    socket.on('error', () => socket.destroy()); // 'close' follows
    socket.on('close', () => events.close());
  }

  transient(chunk: Buffer): boolean {
    return this.receiving && inReceiveBuffer(chunk);
  }

  write(chunks: Buffer[], done?: () => void): void {
    const socket = this.socket;
    if (chunks.length === 1) {
      socket.write(chunks[0]!, done);
      return;
    }
    socket.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) socket.write(chunks[i]!);
    socket.write(chunks[last]!, done);
    socket.uncork();
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  async quiesce(): Promise<void> {
    // Writes complete in order: the callback of an empty write runs after every earlier one.
    if (!this.socket.destroyed) await new Promise<void>((resolve) => this.socket.write(Buffer.alloc(0), () => resolve()));
  }

  takeUnread(): Buffer[] {
    // Data the stream had already pulled from the kernel but not emitted while paused. A socket
    // read into the receive buffer holds none, and read() would start it reading again.
    const unread: Buffer[] = [];
    if (!this.receiving) for (let c = this.socket.read() as Buffer | null; c !== null; c = this.socket.read() as Buffer | null) unread.push(c);
    return unread;
  }

  duplicate(): number {
    return this.native ? duplicateSocket(this.native, this.socket) : -1;
  }

  end(): void {
    this.socket.end();
    this.socket.once('finish', () => this.socket.destroy());
  }

  abandon(): void {
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
