// npm run bench:dataplane [-- --threads 1 --duration 2 --quick --depths 1,16 --loads 10000,30000,100000 --retries 1 --peak 1000000 --dataplane-root DIR]
// Compares this repo's dataplane with Debian's memcached 1.6 and a straightforward Node.js server
// (bench/baseline) on the same thread count, under the same open-loop load (Poisson arrivals,
// latency from the scheduled send time). For each server and pipeline depth it searches the
// highest offered rate with p99 <= 500 µs and measures p50/p99/p99.9 at fixed offered loads.
// Servers run one at a time, each on a free port of 127.0.0.1. Raw results (with the merged
// HdrHistograms) go to bench/results/dataplane-<timestamp>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../src/lib/net.ts';
import { repoRoot } from '../src/lib/paths.ts';
import { LoadGenerator } from './loadgen/load-generator.ts';
import type { LoadStep, StepResult } from './loadgen/load-generator.ts';
import { DEFAULT_WORKLOAD, validateWorkload } from './loadgen/workload.ts';
import type { WorkloadSpec } from './loadgen/workload.ts';
import { BENCH_SERVERS, MEMCACHED_BIN, dataplaneServer } from './lib/dataplane-servers.ts';
import type { BenchServer } from './lib/dataplane-servers.ts';
import { ServerProcess } from './lib/server-process.ts';
import { probeWithRetries, searchMaxRate } from './lib/throughput-search.ts';
import { cpuPerRequestTable, fixedLoadTable, maxThroughputTable, peakThroughputTable, saturationTable, searchTable } from './lib/dataplane-report.ts';
import type { DepthRun, MeasuredStep, ServerRun } from './lib/dataplane-report.ts';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    duration: { type: 'string' },
    warmup: { type: 'string', default: '0.5' },
    quick: { type: 'boolean', default: false },
    depths: { type: 'string', default: '1,16' },
    loads: { type: 'string' },
    connections: { type: 'string', default: '50' },
    generators: { type: 'string' },
    servers: { type: 'string', default: BENCH_SERVERS.map((s) => s.name).join(',') },
    'p99-us': { type: 'string', default: '500' },
    retries: { type: 'string' },
    'search-start': { type: 'string', default: '10000' },
    'search-max': { type: 'string', default: '1280000' },
    peak: { type: 'string', default: '1000000' },
    'dataplane-root': { type: 'string' },
    keys: { type: 'string', default: String(DEFAULT_WORKLOAD.keys) },
    'key-size': { type: 'string', default: String(DEFAULT_WORKLOAD.keySize) },
    'value-size': { type: 'string', default: String(DEFAULT_WORKLOAD.valueSize) },
    'get-ratio': { type: 'string', default: String(DEFAULT_WORKLOAD.getRatio) },
  },
});

const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${v}`);
  return n;
};
const list = (name: string, v: string) => v.split(',').map((x) => num(name, x.trim()));

const QUICK = args.quick;
const THREADS = num('threads', args.threads);
const DURATION_MS = num('duration', args.duration ?? (QUICK ? '1' : '2')) * 1000;
const WARMUP_MS = num('warmup', args.warmup) * 1000;
const DEPTHS = list('depths', args.depths);
const LOADS = list('loads', args.loads ?? (QUICK ? '10000,30000' : '10000,30000,100000'));
const CONNECTIONS = num('connections', args.connections);
// The generator's threads busy-poll to keep to the schedule: give them the cores the server does
// not use, but at least one. More would fight the server for a core and measure the scheduler.
const GENERATORS = num('generators', args.generators ?? String(Math.max(1, os.availableParallelism() - THREADS)));
const P99_US = num('p99-us', args['p99-us']);
// On a shared machine other work can stall the generator or the server for milliseconds, which
// only ever makes a step look worse: a failed search probe is repeated and the better try counts.
const RETRIES = num('retries', args.retries ?? (QUICK ? '0' : '1'));
// Saturation throughput does not hinge on a few milliseconds of stall the way p99 does, so it
// still compares the servers when the machine is noisy.
const PEAK = num('peak', args.peak);
const SEARCH = { start: num('search-start', args['search-start']), max: num('search-max', args['search-max']), min: 1000, bisectSteps: QUICK ? 2 : 3 };
const WORKLOAD: WorkloadSpec = { keys: num('keys', args.keys), keySize: num('key-size', args['key-size']), valueSize: num('value-size', args['value-size']), getRatio: num('get-ratio', args['get-ratio']) };
validateWorkload(WORKLOAD);
const DATAPLANE_ROOT = path.resolve(args['dataplane-root'] ?? repoRoot);
if (!fs.existsSync(path.join(DATAPLANE_ROOT, 'src', 'cli', 'main.ts'))) throw new Error(`--dataplane-root: no src/cli/main.ts in ${DATAPLANE_ROOT}`);
const SERVERS: BenchServer[] = args.servers.split(',').map((n) => {
  if (n.trim() === 'dataplane') return dataplaneServer(DATAPLANE_ROOT);
  const s = BENCH_SERVERS.find((x) => x.name === n.trim());
  if (!s) throw new Error(`--servers: unknown server ${n} (known: ${BENCH_SERVERS.map((x) => x.name).join(', ')})`);
  return s;
});
if (SERVERS.some((s) => s.name === 'memcached') && !fs.existsSync(MEMCACHED_BIN)) throw new Error(`${MEMCACHED_BIN} not found: apt-get install -y memcached`);

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const startedAt = new Date();
let seedCounter = 1;

async function benchServer(server: BenchServer, gen: LoadGenerator): Promise<ServerRun> {
  const port = await freePort();
  const threads = server.threads(THREADS);
  const run: ServerRun = { server: server.name, threads, runs: [] };
  log(`${server.name}: starting on 127.0.0.1:${port} with ${threads} thread(s)`);
  const proc = await ServerProcess.start(server.name, port, server.command(port, THREADS));
  const target = { host: '127.0.0.1', port };
  try {
    await gen.populate(target, WORKLOAD, CONNECTIONS);
    for (const depth of DEPTHS) {
      // The same seeds for every server: each is offered the same arrival pattern.
      seedCounter = 1 + depth * 1000;
      const step = async (rate: number): Promise<StepResult> => {
        const spec: LoadStep = { rate, connections: CONNECTIONS, depth, warmupMs: WARMUP_MS, durationMs: DURATION_MS, drainMs: 1000, seed: seedCounter++ };
        // Let the server finish what an overloaded previous step left in its queues.
        await new Promise((resolve) => setTimeout(resolve, 250));
        const r = await gen.run(target, WORKLOAD, spec);
        if (!proc.alive) throw new Error(`${server.name} exited during the run: ${proc.stderr.trim()}`);
        log(`${server.name} depth ${depth} offered ${rate}: achieved ${Math.round(r.achieved)}, p50 ${r.p50} p99 ${r.p99} p99.9 ${r.p999} µs, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}, unanswered ${r.unanswered}, unsent ${r.unsent}, generator lag ${r.maxSendLagMs.toFixed(1)} ms`);
        return r;
      };
      // The server's CPU time over a whole step, per response the generator got in that time.
      const measured = async (rate: number): Promise<MeasuredStep> => {
        const before = proc.cpuMs();
        const startedMs = Date.now();
        const r = await step(rate);
        const after = proc.cpuMs();
        if (before === undefined || after === undefined || r.completedTotal <= 0) return r;
        return { ...r, serverCpuUsPerRequest: ((after - before) * 1000) / r.completedTotal, serverCores: (after - before) / (Date.now() - startedMs) };
      };
      const search = await searchMaxRate(probeWithRetries(step, RETRIES, P99_US), SEARCH);
      const fixed: MeasuredStep[] = [];
      for (const load of LOADS) fixed.push(await measured(load));
      const d: DepthRun = { depth, search, fixed, peak: await measured(PEAK) };
      run.runs.push(d);
    }
  } catch (err) {
    run.error = err instanceof Error ? err.message : String(err);
    log(`${server.name}: ${run.error}`);
  } finally {
    await proc.stop();
  }
  return run;
}

const gen = LoadGenerator.start(GENERATORS);
const results: ServerRun[] = [];
const loadBefore = os.loadavg();
try {
  log(`${SERVERS.length} servers x depths ${DEPTHS.join(',')}: ${DURATION_MS / 1000} s steps after ${WARMUP_MS / 1000} s warm-up, ${CONNECTIONS} connections, ${GENERATORS} generator thread(s), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  for (const s of SERVERS) results.push(await benchServer(s, gen));
} finally {
  await gen.close();
}
const loadAfter = os.loadavg();

const outDir = path.join(repoRoot, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `dataplane-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(outFile, JSON.stringify({
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter },
  options: { dataplaneRoot: DATAPLANE_ROOT, threads: THREADS, retries: RETRIES, peak: PEAK, durationMs: DURATION_MS, warmupMs: WARMUP_MS, depths: DEPTHS, loads: LOADS, connections: CONNECTIONS, generators: GENERATORS, p99MaxUs: P99_US, search: SEARCH, workload: WORKLOAD },
  results,
}, null, 2));

const mix = `${Math.round(WORKLOAD.getRatio * 100)}/${Math.round((1 - WORKLOAD.getRatio) * 100)} get/set, ${WORKLOAD.keys} keys of ${WORKLOAD.keySize} B, ${WORKLOAD.valueSize} B values, ${CONNECTIONS} connections`;
console.log(`\nMax throughput with p99 <= ${P99_US} µs (${mix}; "+" = the search cap passed)\n`);
console.log(maxThroughputTable(results, DEPTHS));
console.log(`\nPeak throughput: achieved req/s when offered ${PEAK.toLocaleString('en-US')} req/s (saturated; bounded by the generator too)\n`);
console.log(peakThroughputTable(results, DEPTHS));
console.log('\nSaturated: the cores each server kept busy at that peak and the requests it served per second of CPU (its capacity on one core when the generator was the limit)\n');
console.log(saturationTable(results, DEPTHS));
console.log('\nLatency at fixed offered loads (µs from the scheduled send time; lost = unanswered after the drain or never sent; gen lag = worst lateness of the generator)\n');
console.log(fixedLoadTable(results));
console.log('\nServer CPU time per request at the fixed loads (user + system, all threads; steadier than tail latency on a shared machine)\n');
console.log(cpuPerRequestTable(results));
console.log('\nSearch probes\n');
console.log(searchTable(results));
if (Math.max(loadBefore[0]!, loadAfter[0]!) > os.availableParallelism()) {
  console.log(`\nWarning: the load average (${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after) exceeded the core count: other work competed for the CPUs and the tail latencies above include it.`);
}
console.log(`\nraw results: ${path.relative(repoRoot, outFile)}`);
if (results.some((r) => r.error)) process.exitCode = 1;
