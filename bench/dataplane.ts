// npm run bench:dataplane [-- --quick --threads 1 --duration 2 --configs 1x50,1x200,16x50 --loads 30000,80000
//                             --servers dataplane-io_uring,dataplane-libuv,memcached,baseline,floor --no-search
//                             --memcaslap-seconds 2 --retries 1 --peak 1000000 --dataplane-root DIR --profile]
// Compares this repo's dataplane, on each of its engines, with Debian's memcached 1.6, a
// straightforward Node.js server (bench/baseline) and the floor reference (bench/floor/floor.c: a
// server in C on io_uring that does no work per request, i.e. what the kernel allows), on the same
// thread count, under the same open-loop load (Poisson arrivals, latency from the scheduled send
// time) for each load configuration (pipeline depth x connections). For each it measures the
// saturated throughput, p50/p99/p99.9 and server CPU per request at fixed offered loads, memcaslap's
// throughput (depth 1) and, unless --no-search, the highest offered rate with p99 <= 500 µs. Ratios
// to memcached and issue 13's targets are in the tables; the floor's latencies are the generator's
// own. Servers run one at a time, each on a free port of 127.0.0.1. Raw results (with the merged
// HdrHistograms) go to bench/results/dataplane-<timestamp>.json. --profile records each server with
// perf during its saturated steps and prints where its CPU went (reports under bench/results/).
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
import { MEMCACHED_BIN, SERVER_NAMES, benchServers } from './lib/dataplane-servers.ts';
import type { BenchServer } from './lib/dataplane-servers.ts';
import { ServerProcess } from './lib/server-process.ts';
import { probeWithRetries, searchMaxRate } from './lib/throughput-search.ts';
import { runMemcaslap } from './lib/memcaslap.ts';
import { configLabel, cpuPerRequestTable, fixedLoadTable, generatorFloorTable, maxThroughputTable, memcaslapCpuTable, memcaslapTable, peakThroughputTable, searchTable } from './lib/dataplane-report.ts';
import type { ConfigRun, LoadConfig, MeasuredStep, ServerRun } from './lib/dataplane-report.ts';
import { targetsTable } from './lib/dataplane-targets.ts';
import { profileDuring, profiledCommand, removePerfMap, requirePerf } from './lib/perf-profile.ts';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    duration: { type: 'string' },
    warmup: { type: 'string', default: '0.5' },
    quick: { type: 'boolean', default: false },
    configs: { type: 'string', default: '1x50,1x200,16x50' },
    loads: { type: 'string' },
    generators: { type: 'string' },
    servers: { type: 'string', default: SERVER_NAMES.join(',') },
    search: { type: 'boolean' },
    'no-search': { type: 'boolean', default: false },
    'memcaslap-seconds': { type: 'string' },
    'p99-us': { type: 'string', default: '500' },
    retries: { type: 'string' },
    'search-start': { type: 'string', default: '10000' },
    'search-max': { type: 'string', default: '1280000' },
    peak: { type: 'string', default: '1000000' },
    'dataplane-root': { type: 'string' },
    profile: { type: 'boolean', default: false },
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
const configs = (v: string): LoadConfig[] => v.split(',').map((c) => {
  const m = /^\s*(\d+)x(\d+)\s*$/.exec(c);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--configs: expected DEPTHxCONNECTIONS (e.g. 1x50,16x50), got ${c}`);
  return { depth: Number(m[1]), connections: Number(m[2]) };
});

const QUICK = args.quick;
const THREADS = num('threads', args.threads);
const DURATION_MS = num('duration', args.duration ?? (QUICK ? '1' : '2')) * 1000;
const WARMUP_MS = num('warmup', args.warmup) * 1000;
const CONFIGS = configs(args.configs);
// Moderate loads every server sustains at depth 1 on one thread: the p99 there compares servers
// that all keep up, not the point where one saturates.
const LOADS = list('loads', args.loads ?? (QUICK ? '30000' : '30000,80000'));
// The generator's threads busy-poll to keep to the schedule: give them the cores the server does
// not use, but at least one. More would fight the server for a core and measure the scheduler.
const GENERATORS = num('generators', args.generators ?? String(Math.max(1, os.availableParallelism() - THREADS)));
const P99_US = num('p99-us', args['p99-us']);
// On a shared machine other work can stall the generator or the server for milliseconds, which
// only ever makes a step look worse: a failed search probe is repeated and the better try counts.
const RETRIES = num('retries', args.retries ?? (QUICK ? '0' : '1'));
// The search for the best rate within the p99 objective is most of a full run's time: --quick skips it.
const SEARCH_ON = args['no-search'] ? false : (args.search ?? !QUICK);
const MEMCASLAP_SECONDS = num('memcaslap-seconds', args['memcaslap-seconds'] ?? (QUICK ? '1' : '2'));
// Saturation throughput does not hinge on a few milliseconds of stall the way p99 does, so it
// still compares the servers when the machine is noisy.
const PEAK = num('peak', args.peak);
const SEARCH = { start: num('search-start', args['search-start']), max: num('search-max', args['search-max']), min: 1000, bisectSteps: QUICK ? 2 : 3 };
const WORKLOAD: WorkloadSpec = { keys: num('keys', args.keys), keySize: num('key-size', args['key-size']), valueSize: num('value-size', args['value-size']), getRatio: num('get-ratio', args['get-ratio']) };
validateWorkload(WORKLOAD);
const DATAPLANE_ROOT = path.resolve(args['dataplane-root'] ?? repoRoot);
if (!fs.existsSync(path.join(DATAPLANE_ROOT, 'src', 'cli', 'main.ts'))) throw new Error(`--dataplane-root: no src/cli/main.ts in ${DATAPLANE_ROOT}`);
const SERVERS: BenchServer[] = benchServers(args.servers.split(',').map((n) => n.trim()), { dataplaneRoot: DATAPLANE_ROOT, valueSize: WORKLOAD.valueSize });
if (SERVERS.some((s) => s.name === 'memcached') && !fs.existsSync(MEMCACHED_BIN)) throw new Error(`${MEMCACHED_BIN} not found: apt-get install -y memcached`);

const PROFILE = args.profile;
if (PROFILE) requirePerf();

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const outDir = path.join(repoRoot, 'bench', 'results');

/** Runs `work` and adds the server's CPU time over it, per response counted by `requests`. */
type WithCpu<T> = T & { serverCpuUsPerRequest?: number; serverCores?: number };
async function withServerCpu<T extends object>(proc: ServerProcess, work: () => Promise<T>, requests: (r: T) => number): Promise<WithCpu<T>> {
  const before = proc.cpuMs();
  const startedMs = Date.now();
  const r: WithCpu<T> = await work();
  const after = proc.cpuMs();
  if (before === undefined || after === undefined || requests(r) <= 0) return r;
  return { ...r, serverCpuUsPerRequest: ((after - before) * 1000) / requests(r), serverCores: (after - before) / (Date.now() - startedMs) };
}

async function benchConfig(server: BenchServer, proc: ServerProcess, gen: LoadGenerator, c: LoadConfig): Promise<ConfigRun> {
  const target = { host: '127.0.0.1', port: proc.port };
  // The same seeds for every server: each is offered the same arrival pattern.
  let seed = 1 + c.depth * 1000 + c.connections * 100_000;
  const step = async (rate: number): Promise<StepResult> => {
    const spec: LoadStep = { rate, connections: c.connections, depth: c.depth, warmupMs: WARMUP_MS, durationMs: DURATION_MS, drainMs: 1000, seed: seed++ };
    // Let the server finish what an overloaded previous step left in its queues.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const r = await gen.run(target, WORKLOAD, spec);
    if (!proc.alive) throw new Error(`${server.name} exited during the run: ${proc.stderr.trim()}`);
    log(`${server.name} ${configLabel(c)} offered ${rate}: achieved ${Math.round(r.achieved)}, p50 ${r.p50} p99 ${r.p99} p99.9 ${r.p999} µs, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}, unanswered ${r.unanswered}, unsent ${r.unsent}, generator lag ${r.maxSendLagMs.toFixed(2)} ms`);
    return r;
  };
  // The server's CPU time over a whole step, per response the generator got in that time.
  const measured = (rate: number): Promise<MeasuredStep> => withServerCpu(proc, () => step(rate), (r) => r.completedTotal);
  const search = SEARCH_ON ? await searchMaxRate(probeWithRetries(step, RETRIES, P99_US), SEARCH) : undefined;
  const fixed: MeasuredStep[] = [];
  for (const load of LOADS) fixed.push(await measured(load));
  let peak: MeasuredStep;
  let profile: string[] | undefined;
  if (PROFILE && proc.pid !== undefined) {
    const out = path.join(outDir, `dataplane-${stamp}-profiles`, `${server.name}-${configLabel(c)}`);
    ({ result: peak, top: profile } = await profileDuring(proc.pid, out, () => measured(PEAK)));
    log(`${server.name} ${configLabel(c)}: perf report in ${path.relative(repoRoot, out)}.txt`);
  } else {
    peak = await measured(PEAK);
  }
  const run: ConfigRun = { ...c, search, fixed, peak, ...(profile ? { profile } : {}) };
  if (c.depth === 1 && MEMCASLAP_SECONDS > 0) {
    run.memcaslap = await withServerCpu(proc, () => runMemcaslap(target, WORKLOAD, { connections: c.connections, threads: GENERATORS, seconds: MEMCASLAP_SECONDS }), (r) => r.ops);
    log(`${server.name} ${configLabel(c)} memcaslap: ${run.memcaslap.tps} ops/s, server CPU ${run.memcaslap.serverCpuUsPerRequest?.toFixed(2) ?? '-'} µs/op, get misses ${run.memcaslap.getMisses}`);
  }
  return run;
}

async function benchServer(server: BenchServer, gen: LoadGenerator): Promise<ServerRun> {
  const threads = server.threads(THREADS);
  const run: ServerRun = { server: server.name, threads, runs: [] };
  if (server.absent) {
    log(`${server.name}: absent: ${server.absent}`);
    return { ...run, absent: server.absent };
  }
  const port = await freePort();
  log(`${server.name}: starting on 127.0.0.1:${port} with ${threads} thread(s)`);
  // What a server says about its engine (which, and why) belongs with its numbers.
  const notes: string[] = [];
  const command = server.command(port, THREADS);
  const proc = await ServerProcess.start(server.name, port, PROFILE ? profiledCommand(command) : command, { onStderrLine: (l) => { if (/engine/i.test(l) && notes.length < 5) notes.push(l.trim()); } });
  try {
    await gen.populate({ host: '127.0.0.1', port }, WORKLOAD, Math.max(...CONFIGS.map((c) => c.connections)));
    for (const c of CONFIGS) run.runs.push(await benchConfig(server, proc, gen, c));
  } catch (err) {
    run.error = err instanceof Error ? err.message : String(err);
    log(`${server.name}: ${run.error}`);
  } finally {
    await proc.stop();
    if (PROFILE) removePerfMap(proc.pid);
  }
  return notes.length > 0 ? { ...run, notes } : run;
}

const gen = LoadGenerator.start(GENERATORS);
const results: ServerRun[] = [];
const loadBefore = os.loadavg();
try {
  log(`${SERVERS.length} servers x ${CONFIGS.map(configLabel).join(',')}: ${DURATION_MS / 1000} s steps after ${WARMUP_MS / 1000} s warm-up, ${GENERATORS} generator thread(s), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  for (const s of SERVERS) results.push(await benchServer(s, gen));
} finally {
  await gen.close();
}
const loadAfter = os.loadavg();

fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `dataplane-${stamp}.json`);
fs.writeFileSync(outFile, JSON.stringify({
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, kernel: os.release(), node: process.version, loadBefore, loadAfter },
  options: { dataplaneRoot: DATAPLANE_ROOT, threads: THREADS, retries: RETRIES, peak: PEAK, durationMs: DURATION_MS, warmupMs: WARMUP_MS, configs: CONFIGS, loads: LOADS, generators: GENERATORS, p99MaxUs: P99_US, search: SEARCH_ON ? SEARCH : false, memcaslapSeconds: MEMCASLAP_SECONDS, workload: WORKLOAD },
  results,
}, null, 2));

const mix = `${Math.round(WORKLOAD.getRatio * 100)}/${Math.round((1 - WORKLOAD.getRatio) * 100)} get/set, ${WORKLOAD.keys} keys of ${WORKLOAD.keySize} B, ${WORKLOAD.valueSize} B values; config dDEPTHxCONNECTIONS`;
for (const s of results) {
  if (s.absent) console.log(`${s.server}: not run: ${s.absent}`);
  for (const n of s.notes ?? []) console.log(`${s.server} said: ${n}`);
}
console.log(`\nSaturated throughput: achieved req/s when offered ${PEAK.toLocaleString('en-US')} req/s by the project's generator (${mix}); the generator shares the machine, so it can be the limit: CPU per request below says what each server would do on a core of its own\n`);
console.log(peakThroughputTable(results, CONFIGS));
if (MEMCASLAP_SECONDS > 0) {
  console.log(`\nmemcaslap (closed loop, ${MEMCASLAP_SECONDS} s, ${GENERATORS} thread(s)): operations per second, and the server's CPU per operation\n`);
  console.log(memcaslapTable(results, CONFIGS));
  console.log('');
  console.log(memcaslapCpuTable(results, CONFIGS));
}
console.log('\nServer CPU time per request (user + system, all threads, from /proc; steadier than tail latency on a shared machine)\n');
console.log(cpuPerRequestTable(results, CONFIGS, LOADS));
console.log('\nLatency at fixed offered loads (µs from the scheduled send time; lost = unanswered after the drain or never sent; gen lag = worst lateness of the generator)\n');
console.log(fixedLoadTable(results));
console.log('\nThe generator\'s own floor: its latencies against the floor server, which answers at once, beside the p99 it compares\n');
console.log(generatorFloorTable(results, CONFIGS, LOADS));
if (SEARCH_ON) {
  console.log(`\nMax throughput with p99 <= ${P99_US} µs\n`);
  console.log(maxThroughputTable(results, CONFIGS));
  console.log('\nSearch probes\n');
  console.log(searchTable(results));
}
console.log('\nIssue 13\'s targets (ratio to memcached in this run)\n');
console.log(targetsTable(results, CONFIGS, LOADS));
if (PROFILE) {
  console.log('\nWhere each server\'s CPU went in its saturated steps (perf, self time by object and symbol; full reports beside the raw results)');
  for (const s of results) for (const r of s.runs) if (r.profile) console.log(`\n${s.server} ${configLabel(r)}:\n  ${r.profile.join('\n  ')}`);
}
if (Math.max(loadBefore[0]!, loadAfter[0]!) > os.availableParallelism() - 1) {
  console.log(`\nWarning: the load average (${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after) says other work competed for the CPUs: tail latencies and throughput above include it.`);
}
console.log(`\nraw results: ${path.relative(repoRoot, outFile)}`);
if (results.some((r) => r.error)) process.exitCode = 1;
