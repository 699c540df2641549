import net from 'node:net';

/**
 * One receive buffer per thread (each worker has its own module instance), read into with Node's
 * `onread` instead of a fresh buffer per read pushed through a Readable stream. A connection serves
 * what a read brought before the next read can land here (run to completion, as IX's dataplane
 * does with its receive rings), and copies out only what it leaves unserved (see
 * Connection.unshare). At depth 1 that is one read and one write per request: the stream
 * machinery was a large part of what a request cost.
 */
export const RECEIVE_BUFFER_BYTES = 64 * 1024;

const receive = Buffer.allocUnsafeSlow(RECEIVE_BUFFER_BYTES);

export function inReceiveBuffer(b: Buffer): boolean {
  return b.buffer === receive.buffer;
}

/**
 * A socket over an open descriptor whose reads go to `onReceive` as views of the thread's receive
 * buffer, valid only until it returns. Pausing and resuming work as on any socket; end of input and
 * errors arrive as the usual events.
 */
export function receivingSocket(fd: number, onReceive: (chunk: Buffer) => void): net.Socket {
  const options: net.SocketConstructorOpts = {
    fd,
    readable: true,
    writable: true,
    onread: {
      buffer: receive,
      callback: (n: number, buf: Uint8Array) => {
        onReceive((buf as Buffer).subarray(0, n));
        return true;
      },
    },
  };
  return new net.Socket(options);
}
