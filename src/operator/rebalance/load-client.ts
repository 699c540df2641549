// The operator's side of the dataplane control API: GET /v1/load and PUT /v1/cores on a pod IP.
// Short timeouts: a dataplane that does not answer within a second is skipped this round, never
// waited for (the rebalancer's round must not stall on one sick pod).

export interface ThreadLoadReport { thread: number; cpu?: number; queueLength: number; queueDelayUs: number; idle: number; requestsPerSecond: number; queueDelayP99Us?: number }

export interface LoadReport {
  grantedCpus: string;
  activeCpus: string;
  connections: number;
  queueDelayP99Us?: number;
  threads: ThreadLoadReport[];
}

export interface ControlClient {
  load(base: string, token: string): Promise<LoadReport>;
  setCores(base: string, token: string, cpus: string): Promise<void>;
}

export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';

  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const TIMEOUT_MS = 1000;

/**
 * fetch with the timeout, and a failure that says what happened: undici's own message is only
 * "fetch failed", with the reason (ECONNREFUSED, a reset, a timeout) one level down in `cause`.
 */
async function send(what: string, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const err = e as Error & { cause?: { message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (err.cause?.message ?? err.message);
    throw new ControlApiError(`${what}: ${why}`);
  }
}

export const httpControlClient: ControlClient = {
  async load(base, token) {
    const res = await send(`GET ${base}/v1/load`, `${base}/v1/load`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new ControlApiError(`GET ${base}/v1/load: HTTP ${res.status}`, res.status);
    const body = await res.json() as LoadReport;
    if (typeof body?.grantedCpus !== 'string' || !Array.isArray(body.threads)) throw new ControlApiError(`GET ${base}/v1/load: not a load report`);
    return body;
  },
  async setCores(base, token, cpus) {
    const res = await send(`PUT ${base}/v1/cores ${cpus}`, `${base}/v1/cores`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ cpus }),
    });
    if (!res.ok) throw new ControlApiError(`PUT ${base}/v1/cores ${cpus}: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim(), res.status);
  },
};

/** The control API's address for a pod: its IP and the Dataplane's control port (IPv6 in brackets). */
export const controlBase = (podIp: string, port: number): string => `http://${podIp.includes(':') ? `[${podIp}]` : podIp}:${port}`;
