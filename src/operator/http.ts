import express from 'express';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpServer { port: number; close(): Promise<void> }

/** /healthz (the process runs), /readyz (caches synced), /metrics (Prometheus text). */
export function startHttpServer(addr: { host: string; port: number }, registry: Registry, isReady: () => boolean): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (_req, res) => void (isReady() ? res.type('text/plain').send('ok') : res.status(503).type('text/plain').send('caches not synced')));
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(addr.port, addr.host, () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : addr.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    server.on('error', reject);
  });
}
