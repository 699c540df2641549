// A TCP proxy in front of the apiserver, for tests that break a client's connections the ways a
// network does: reset them (the client reads ECONNRESET), close them (a FIN, as a server or load
// balancer that ends a connection), or refuse new ones for a while (the address answers nothing).
// TLS passes through untouched: the client still talks to the real apiserver.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  private constructor(private readonly target: { host: string; port: number }, readonly port: number) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new TcpProxy(target, port);
    await proxy.accept();
    return proxy;
  }

  /** Accepts connections again (after refuse()). */
  async accept(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      // A reset on one side is a reset on the other, as on a real path.
      upstream.on('error', () => client.resetAndDestroy());
      client.on('error', () => upstream.resetAndDestroy());
      upstream.on('end', () => client.end());
      client.on('end', () => upstream.end());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Resets every open connection: the clients read ECONNRESET. */
  reset(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  /** Closes every open connection in order (a FIN after what was sent). */
  close(): void {
    for (const s of this.sockets) s.end();
  }

  /** Resets every open connection and refuses new ones until accept(). */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.reset();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  async stop(): Promise<void> {
    await this.refuse();
  }

  get openConnections(): number {
    return this.sockets.size;
  }
}

/** A kubeconfig like `kubeconfigPath` whose clients reach `server` through `proxy` (TLS untouched). */
export function kubeconfigThrough(proxy: TcpProxy, kubeconfigPath: string, server: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ix-proxied-')), 'kubeconfig.yaml');
  fs.writeFileSync(file, fs.readFileSync(kubeconfigPath, 'utf8').replace(server, `https://127.0.0.1:${proxy.port}`));
  return file;
}
