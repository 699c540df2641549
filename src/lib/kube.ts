import * as k8s from '@kubernetes/client-node';

/**
 * A KubeConfig whose requests share keep-alive connections. @kubernetes/client-node 2.0 makes a new
 * undici Agent (a connection pool of its own) for every request when the kubeconfig carries TLS
 * material — a CA, a client certificate — which is every real cluster's: every API call paid a TCP
 * and TLS handshake and a parse of the client key, on both sides, and bench:operator measured that as
 * most of the operator's CPU time (it was so with 1.4's https.Agent per request too). 2.0 caches only
 * the agents of WebSocket calls (exec, attach). One dispatcher per context keeps the operator to a
 * handful of connections. (Client certificates are read when the dispatcher is made; a rotated
 * certificate needs a restart, as with client-go's static TLS config.)
 */
class PooledKubeConfig extends k8s.KubeConfig {
  private readonly dispatchers = new Map<string, unknown>();

  constructor() {
    super();
    // createDispatcher is private in the typings but an ordinary method at run time; if a later
    // release drops it, the check fails loudly rather than silently losing the pooling.
    const self = this as unknown as { createDispatcher?: (cluster: unknown, options: unknown) => unknown };
    if (typeof self.createDispatcher !== 'function') {
      throw new Error('@kubernetes/client-node has no KubeConfig.createDispatcher any more: update PooledKubeConfig (src/lib/kube.ts)');
    }
    // applyHTTPSOptions reads the CA, client certificate and key files on every request (three
    // opens and reads each, 3% of the operator's busy time at 1,000 pods) only to hand them to a
    // dispatcher that exists already: read once per context, as the dispatcher is made once.
    const tls = this as unknown as { applyHTTPSOptions?: (opts: Record<string, unknown>) => void };
    if (typeof tls.applyHTTPSOptions !== 'function') {
      throw new Error('@kubernetes/client-node has no KubeConfig.applyHTTPSOptions any more: update PooledKubeConfig (src/lib/kube.ts)');
    }
    const applyHttps = tls.applyHTTPSOptions.bind(this);
    const httpsOptions = new Map<string, Record<string, unknown>>();
    tls.applyHTTPSOptions = (opts) => {
      const key = this.getCurrentContext();
      let read = httpsOptions.get(key);
      if (!read) {
        read = {};
        applyHttps(read);
        httpsOptions.set(key, read);
      }
      const { headers, ...rest } = read;
      Object.assign(opts, rest);
      if (headers) opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...(headers as Record<string, string>) };
    };
    const create = self.createDispatcher.bind(this);
    self.createDispatcher = (cluster, options) => {
      const key = this.getCurrentContext();
      let dispatcher = this.dispatchers.get(key);
      if (!dispatcher) {
        dispatcher = http1Only(create(cluster, options));
        if (dispatcher) this.dispatchers.set(key, dispatcher);
      }
      return dispatcher;
    };
  }
}

/** undici's dispatcher interface, as far as it is used here. */
interface ComposableDispatcher {
  compose(interceptor: (dispatch: (opts: object, handler: unknown) => boolean) => (opts: object, handler: unknown) => boolean): unknown;
}

/**
 * The dispatcher, asking for HTTP/1.1 on every request. undici 8 negotiates HTTP/2 when the server
 * offers it (kube-apiserver does); bench:operator measured its HTTP/2 path (node:http2 streams under
 * fetch, and Go's x/net/http2 framing on the apiserver's side) as more CPU per request on both ends
 * than HTTP/1.1 keep-alive connections, which undici opens as many of as requests run at once.
 */
function http1Only(dispatcher: unknown): unknown {
  if (!dispatcher || typeof (dispatcher as Partial<ComposableDispatcher>).compose !== 'function') return dispatcher;
  return (dispatcher as ComposableDispatcher).compose((dispatch) => (opts, handler) => dispatch({ ...opts, allowH2: false }, handler));
}

/** A kubeconfig from a file, or (no path) from KUBECONFIG / ~/.kube/config / in-cluster. */
export function loadKubeConfig(path?: string): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** HTTP status of an error thrown by @kubernetes/client-node, if it carries one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
    return (err as { code: number }).code;
  }
  return undefined;
}

/**
 * The API server refused a write because the object's namespace is being deleted. Nothing is wrong and
 * nothing can be done: the namespace's deletion removes the object that asked for the write.
 */
export function isNamespaceTerminating(err: unknown): boolean {
  return httpStatusOf(err) === 403 && /NamespaceTerminating|because it is being terminated/.test(apiErrorMessage(err) + String((err as { body?: unknown })?.body ?? ''));
}

/** The API server's message of an error from @kubernetes/client-node (the Status body), else the error text. */
export function apiErrorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'body' in err) {
    const body = (err as { body: unknown }).body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    if (parsed && typeof parsed === 'object' && 'message' in parsed) return String((parsed as { message: unknown }).message);
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${apiErrorMessage(lastErr)}` : ''}`);
    }
    await sleep(everyMs);
  }
}
