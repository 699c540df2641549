// The dataplane's control API, on a port of its own (never the data port):
//   GET /healthz  /readyz  /metrics  /v1/load     read-only
//   PUT /v1/cores {"cpus": "2-7", "active"?: "2-3"}  bearer token required: the dedicated CPUs the pod
//                                                 holds now (the operator's grant); optionally which of
//                                                 them to run threads on (else the dataplane decides)
// PUT is refused outright when no token file was configured: an open control port must not let
// anyone move a latency-critical service's cores.
import express from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { formatCpuset, parseCpuset } from '../../lib/cpuset.ts';
import type { LoadSample } from './load-monitor.ts';
import type { EngineDecision } from '../engine.ts';

export interface CoreState {
  granted: number[];
  active: number[];
}

export interface ControlDeps {
  registry: Registry;
  load: () => { threads: (LoadSample & { thread: number; cpu?: number; pinned?: boolean })[]; connections: number; engine: EngineDecision };
  cores: CoreState;
  /** Called with a new grant (and an explicit active set) after they were validated; the pool follows. */
  setCores: (granted: number[], active?: number[]) => void;
  /** Undefined: PUT /v1/cores is disabled. */
  token: () => string | undefined;
  ready: () => boolean;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function controlApp(d: ControlDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (_req, res) => void (d.ready() ? res.type('text/plain').send('ok') : res.status(503).type('text/plain').send('draining: not taking new clients')));
  app.get('/metrics', async (_req, res) => {
    res.type(d.registry.contentType).send(await d.registry.metrics());
  });
  app.get('/v1/load', (_req, res) => {
    const { threads, connections, engine } = d.load();
    res.json({
      grantedCpus: formatCpuset(d.cores.granted),
      activeCpus: formatCpuset(d.cores.active),
      connections,
      engine,
      queueDelayP99Us: Math.round(Math.max(0, ...threads.map((t) => t.queueDelayP99Us))),
      threads: threads.map((t) => ({ ...t, queueDelayUs: Math.round(t.queueDelayUs), queueDelayP99Us: Math.round(t.queueDelayP99Us), idle: Number(t.idle.toFixed(4)) })),
    });
  });
  app.put('/v1/cores', express.json({ limit: '4kb' }), (req, res) => {
    const token = d.token();
    if (!token) return void res.status(403).json({ error: 'core changes are disabled: the dataplane was started without --token-file' });
    if (!bearerMatches(req.get('authorization'), token)) {
      return void res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong bearer token' });
    }
    const body = req.body as { cpus?: unknown; active?: unknown } | undefined;
    if (typeof body?.cpus !== 'string' || (body.active !== undefined && typeof body.active !== 'string')) {
      return void res.status(400).json({ error: 'body must be {"cpus": "<cpuset list, e.g. 2-7>", "active": "<optional subset, e.g. 2-3>"}' });
    }
    let granted: number[];
    let active: number[] | undefined;
    try {
      granted = parseCpuset(body.cpus);
      active = typeof body.active === 'string' ? parseCpuset(body.active) : undefined;
    } catch (e) {
      return void res.status(400).json({ error: e instanceof Error ? e.message : String(e) });
    }
    if (granted.length === 0 || active?.length === 0) return void res.status(400).json({ error: 'at least one CPU is needed' });
    const outside = active ? active.filter((c) => !granted.includes(c)) : [];
    if (outside.length) {
      return void res.status(409).json({ error: `active CPUs ${formatCpuset(outside)} are not within the granted CPUs ${formatCpuset(granted)}` });
    }
    d.setCores(granted, active);
    res.json({ grantedCpus: formatCpuset(d.cores.granted), activeCpus: formatCpuset(d.cores.active) });
  });
  // Malformed JSON and other client errors: a JSON error, never a stack trace.
  app.use((err: { status?: number; message?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status && err.status < 500 ? err.status : 400).json({ error: err.message ?? 'bad request' });
  });
  return app;
}

export function listen(app: express.Express, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host, () => {
      const a = server.address();
      resolve({ port: typeof a === 'object' && a ? a.port : port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
    server.on('error', reject);
  });
}
