import net from 'node:net';

/** A minimal test client: writes, and waits until the replies collected end with a given text. */
export class Client {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  /** One exchange on a connection of its own, closed after: what a probe of a server does. */
  static async exchange(port: number, host: string, req: string | Buffer, until: string | RegExp, timeoutMs = 5000): Promise<string> {
    const c = await Client.connect(port, host);
    try {
      return await c.request(req, until, timeoutMs);
    } finally {
      c.close();
    }
  }

  /** Sends `req` and resolves with everything received once it ends with `until`. */
  async request(req: string | Buffer, until: string | RegExp = /\r\n$/, timeoutMs = 5000): Promise<string> {
    this.socket.write(req);
    return this.read(until, timeoutMs);
  }

  read(until: string | RegExp, timeoutMs = 5000): Promise<string> {
    const done = () => {
      const text = this.buf.toString('latin1');
      return typeof until === 'string' ? text.endsWith(until) : until.test(text);
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.buf.toString('latin1').slice(-200))}`)), timeoutMs);
      const check = () => {
        if (done() || this.closed) {
          clearTimeout(timer);
          this.waiter = null;
          const text = this.buf.toString('latin1');
          this.buf = Buffer.alloc(0);
          resolve(text);
        }
      };
      this.waiter = check;
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
