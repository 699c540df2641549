import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DataplaneServer, DEFAULT_OPTIONS } from '../dataplane/server.ts';
import { nonNegativeInt, positiveInt } from './args.ts';
import { DataplaneControl } from '../dataplane/control/control-plane.ts';
import { readGrant, type CpuGrant } from '../dataplane/control/podinfo.ts';
import { LocalController } from '../dataplane/elastic/local-controller.ts';
import { ENGINES, type EngineChoice } from '../dataplane/engine.ts';

/** memcached's -I syntax: bytes, or a number with k or m. */
export function itemSize(value: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a size such as 1048576, 512k or 1m, got ${JSON.stringify(value)}`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1024 : 1024 * 1024);
  // Slab pages are as large as the largest item (no chunked items yet), so very large items would
  // make memory very coarse: stay within 64m.
  if (n < 1024 || n > 64 * 1024 * 1024) throw new InvalidArgumentError('item size must be between 1k and 64m');
  return n;
}

/**
 * What memcached refuses at start and so do we (the Dataplane CRD refuses the same): an item size
 * limit above half of the memory limit ("Cannot set item size limit higher than 1/2 of memory max").
 */
export function sizeProblem(memoryLimitMiB: number, itemSizeMax: number): string | undefined {
  if (itemSizeMax > memoryLimitMiB * 1024 * 1024 / 2) {
    return `cannot set the item size limit (-I ${itemSizeMax}) higher than half of the memory limit (-m ${memoryLimitMiB}), as memcached refuses`;
  }
  return undefined;
}

interface RunFlags {
  port: number; listen: string; memoryLimit: number; connLimit: number; threads: number; maxItemSize: number; batch: number; prefixDelimiter: string; lruAutocrawl: boolean;
  controlPort: number; controlListen?: string; tokenFile?: string; cpusFrom?: string;
  engine: EngineChoice; elasticControl: boolean; minThreads: number; addQueue: number; removeQueue: number; removeIdle: number; sloP99Us: number; addCooldownMs: number; removeCooldownMs: number; drainMs: number;
}

/** `ixctl run`: one dataplane on this host, no Kubernetes. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a memcached-compatible dataplane on this host (flags named like memcached\'s)')
    .option('-p, --port <port>', 'TCP port to listen on', portNumber, DEFAULT_OPTIONS.port)
    .option('-l, --listen <addr>', 'interface to listen on', DEFAULT_OPTIONS.listen)
    .option('-m, --memory-limit <MiB>', 'item memory in megabytes', positiveInt, DEFAULT_OPTIONS.memoryLimitMiB)
    .option('-c, --conn-limit <n>', 'max simultaneous connections', positiveInt, DEFAULT_OPTIONS.maxConnections)
    .option('-t, --threads <n>', 'elastic threads serving connections (with --cpus-from: one per active CPU instead); 1 serves on the main event loop', positiveInt, DEFAULT_OPTIONS.threads)
    .option('-I, --max-item-size <size>', 'largest item, e.g. 1m or 512k', itemSize, DEFAULT_OPTIONS.itemSizeMax)
    .option('-B, --batch <n>', 'requests handled per connection before yielding (batch bound)', positiveInt, DEFAULT_OPTIONS.batchBound)
    .option('-D, --prefix-delimiter <char>', 'character ending the key prefixes `stats detail` counts by', oneChar, ':')
    .option('--no-lru-autocrawl', 'crawl for expired items only when `lru_crawler crawl` asks (memcached -o no_lru_maintainer)')
    .option('--control-port <port>', 'HTTP control port (/healthz /readyz /metrics /v1/load, PUT /v1/cores); 0 = off', portNumber, 0)
    .option('--control-listen <addr>', 'interface of the control port (default: the --listen interface)')
    .option('--token-file <path>', 'file holding the bearer token PUT /v1/cores requires; without it core changes are refused')
    .option('--cpus-from <path>', 'downward-API annotations file with the CPUs the operator granted (ix.dev/cpus, ix.dev/active-cpus)')
    .option('--engine <engine>', 'what moves the bytes: io_uring, libuv, or auto (io_uring where the kernel and the seccomp filter allow it)', engineChoice, 'auto')
    .option('--no-elastic-control', 'keep the number of elastic threads fixed instead of following the load')
    .option('--min-threads <n>', 'fewest elastic threads the local controller keeps', positiveInt, 1)
    .option('--add-queue <n>', 'add a thread when the mean queue length exceeds this (IX: 32)', positiveInt, 32)
    .option('--remove-queue <n>', 'a thread may go when the mean queue length is below this (IX: 8)', nonNegativeInt, 8)
    .option('--remove-idle <fraction>', 'and the threads are idle more than this share of the time', fraction, 0.5)
    .option('--slo-p99-us <us>', 'add a thread before queuing delay reaches half of this p99 target', positiveInt, 500)
    .option('--add-cooldown-ms <ms>', 'least time between two additions', positiveInt, 100)
    .option('--remove-cooldown-ms <ms>', 'least time between a change and a removal', positiveInt, 2000)
    .option('--drain-ms <ms>', 'on SIGTERM, keep serving open connections this long (or until none is left) while /readyz fails', nonNegativeInt, 0)
    .action(async (o: RunFlags) => {
      const problem = sizeProblem(o.memoryLimit, o.maxItemSize);
      if (problem) throw new InvalidArgumentError(problem);
      // Granted CPUs (in a pod) decide the threads: one pinned elastic thread per active CPU.
      const grant = o.cpusFrom ? readGrantOrNothing(o.cpusFrom) : undefined;
      const elastic = o.threads > 1 || grant !== undefined;
      // The local controller starts small and grows under load (IX); without it, -t threads throughout.
      const startThreads = o.elasticControl && !grant ? Math.min(o.minThreads, o.threads) : o.threads;
      const server = await DataplaneServer.start({
        port: o.port, listen: o.listen, memoryLimitMiB: o.memoryLimit, maxConnections: o.connLimit,
        threads: startThreads, itemSizeMax: o.maxItemSize, batchBound: o.batch, prefixDelimiter: o.prefixDelimiter, lruAutoCrawl: o.lruAutocrawl, engine: o.engine,
        ...(elastic ? { elastic: { cpus: grant?.granted } } : {}),
      });
      process.stderr.write(`ixctl run: engine ${server.engine.name} (${server.engine.reason})\n`);
      if (server.elasticUnavailable) process.stderr.write(`ixctl run: serving on one event loop: ${server.elasticUnavailable}\n`);
      const threads = server.pool ? `${server.pool.activeCpus.length} elastic thread(s)${grant ? ` on CPUs ${grant.granted.join(',')}` : ''}` : 'one event loop';
      process.stderr.write(`ixctl run: serving memcached protocol on ${o.listen}:${server.port} with ${threads}\n`);
      let controller: LocalController | undefined;
      let control: DataplaneControl | undefined;
      if (o.controlPort > 0 || (server.pool && o.elasticControl)) {
        control = new DataplaneControl(server, {
          host: o.controlListen ?? o.listen, port: o.controlPort, tokenFile: o.tokenFile, cpusFrom: o.cpusFrom,
          log: (line) => process.stderr.write(`ixctl run: ${line}\n`),
          onExternalChange: () => controller?.noteExternalChange(),
          localControl: !!server.pool && o.elasticControl,
        });
        await control.start();
        if (control.port !== undefined) process.stderr.write(`ixctl run: control API on ${o.controlListen ?? o.listen}:${control.port}\n`);
      }
      if (server.pool && o.elasticControl) {
        const cores = control!.cores;
        controller = new LocalController(server.pool, {
          policy: {
            min: o.minThreads, max: o.threads, addQueueLength: o.addQueue, removeQueueLength: o.removeQueue, removeIdleFraction: o.removeIdle,
            sloP99Us: o.sloP99Us, addCooldownMs: o.addCooldownMs, removeCooldownMs: o.removeCooldownMs,
          },
          granted: () => (cores.granted.length ? cores.granted : undefined),
          onDecision: (d) => {
            if (cores.granted.length) cores.active = server.pool!.activeCpus.filter((c): c is number => c !== undefined);
            process.stderr.write(`ixctl run: ${d.action === 'add' ? 'added' : 'removed'} an elastic thread, now ${d.active}: ${d.reason}\n`);
          },
          onError: (e) => process.stderr.write(`ixctl run: the local controller could not change the threads: ${String(e)}\n`),
        }).start();
      }
      await new Promise<void>((resolve) => {
        const stop = async (signal: string) => {
          const open = server.connectionCount;
          process.stderr.write(`ixctl run: ${signal}, ${o.drainMs > 0 && open > 0 ? `draining ${open} connection(s) for up to ${o.drainMs} ms` : 'shutting down'}\n`);
          // The drain, then a moment for connections to flush; a shutdown must not hang on anything.
          setTimeout(() => {
            process.stderr.write('ixctl run: shutdown took too long, exiting\n');
            process.exit(1);
          }, o.drainMs + 5_000).unref();
          await server.drain(o.drainMs);
          controller?.stop();
          await Promise.all([server.close(), control?.close()]).catch(() => undefined);
          resolve();
        };
        process.once('SIGINT', () => void stop('SIGINT'));
        process.once('SIGTERM', () => void stop('SIGTERM'));
      });
    });
}

function engineChoice(value: string): EngineChoice {
  if (value !== 'auto' && !(ENGINES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected auto, ${ENGINES.join(' or ')}, got ${JSON.stringify(value)}`);
  return value as EngineChoice;
}

/** memcached's -D takes one character. */
function oneChar(value: string): string {
  if (value.length !== 1 || value.charCodeAt(0) > 255) throw new InvalidArgumentError(`expected one character, got ${JSON.stringify(value)}`);
  return value;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a fraction between 0 and 1, got ${JSON.stringify(value)}`);
  return n;
}

function readGrantOrNothing(file: string): CpuGrant | undefined {
  try {
    return readGrant(file);
  } catch (e) {
    process.stderr.write(`ixctl run: no CPU grant yet in ${file} (${(e as Error).message}); threads unpinned until it appears\n`);
    return undefined;
  }
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number, got ${JSON.stringify(value)}`);
  return n;
}
