// npm run bench:elasticity [-- --quick --max-threads 2 --low 9000 --high 48000 --slo-p99-us 500 --window-ms 100 --traces steps,diurnal]
// How well the dataplane's local controller follows the load. One thread's capacity is measured
// first (the highest rate with p99 <= SLO on `ixctl run -t 1 --no-elastic-control`); then the
// same load traces (steps, and a compressed diurnal curve, from ~0.3x to ~1.6x that capacity) are
// offered, open loop, to the elastic dataplane (`-t <max>` with its local controller) and to each
// static allocation (`-t k --no-elastic-control`, k = 1..max), one server at a time. The elastic
// server's thread count comes from its stderr ("added/removed an elastic thread, now N"),
// timestamped on arrival. Reported per trace: core-seconds against the best static allocation,
// the share of 100 ms windows whose p99 missed the SLO, lost requests, and for each step how
// long the controller took to add or give back a thread and p99 to come back under the SLO.
// Files: bench/results/elasticity-<timestamp>.{csv,json,svg,png}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import { freePort } from '../src/lib/net.ts';
import { repoRoot } from '../src/lib/paths.ts';
import { LoadGenerator } from './loadgen/load-generator.ts';
import type { StepResult, TraceResult } from './loadgen/load-generator.ts';
import { sharedClockMs } from './loadgen/trace-loop.ts';
import { DEFAULT_WORKLOAD } from './loadgen/workload.ts';
import type { Target } from './loadgen/messages.ts';
import { dataplaneServer } from './lib/dataplane-servers.ts';
import { ServerProcess } from './lib/server-process.ts';
import { probeWithRetries, searchMaxRate } from './lib/throughput-search.ts';
import type { SearchResult } from './lib/throughput-search.ts';
import { diurnalTrace, stepsTrace } from './lib/load-trace.ts';
import type { LoadTrace } from './lib/load-trace.ts';
import type { ThreadEvent } from './lib/elasticity-metrics.ts';
import { analyse, calibratedCapacity, elasticityFigure, reactionTable, steadyTable, summaryTable, timelineCsv, underloadWarning } from './lib/elasticity-report.ts';
import type { ConfigRun, ServerLoadSample, TraceRuns } from './lib/elasticity-report.ts';
import { FONT_FAMILY } from './lib/svg-plot.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'max-threads': { type: 'string' },
    low: { type: 'string' },
    high: { type: 'string' },
    capacity: { type: 'string' },
    'slo-p99-us': { type: 'string', default: '500' },
    'window-ms': { type: 'string', default: '100' },
    'phase-s': { type: 'string' },
    'diurnal-s': { type: 'string' },
    traces: { type: 'string', default: 'steps,diurnal' },
    connections: { type: 'string', default: '50' },
    depth: { type: 'string', default: '1' },
    generators: { type: 'string' },
    'no-poll': { type: 'boolean', default: false },
  },
});

const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${v}`);
  return n;
};
const opt = (name: keyof typeof args): number | undefined => (args[name] === undefined ? undefined : num(name, String(args[name])));

const QUICK = args.quick;
const CPUS = os.availableParallelism();
const MAX_THREADS = opt('max-threads') ?? Math.max(2, CPUS - 1);
const SLO_US = num('slo-p99-us', args['slo-p99-us']);
const WINDOW_MS = num('window-ms', args['window-ms']);
const PHASE_MS = (opt('phase-s') ?? (QUICK ? 3 : 8)) * 1000;
const DIURNAL_MS = (opt('diurnal-s') ?? (QUICK ? 15 : 40)) * 1000;
const CONNECTIONS = num('connections', args.connections);
const DEPTH = num('depth', args.depth);
const GENERATORS = opt('generators') ?? Math.max(1, CPUS - MAX_THREADS);
const TRACES = args.traces.split(',').map((s) => s.trim());
for (const t of TRACES) if (t !== 'steps' && t !== 'diurnal') throw new Error(`--traces: unknown trace ${t} (known: steps, diurnal)`);
if (!Number.isInteger(MAX_THREADS) || MAX_THREADS < 1) throw new Error('--max-threads: expected a positive integer');
const WORKLOAD = DEFAULT_WORKLOAD;
/** The trace starts this long after it is handed to the workers: time for them to connect. */
const LEAD_MS = 500;
const DRAIN_MS = 1000;
/** Offered to measure one thread's saturated throughput. */
const PEAK = 1_000_000;
const POPULATE_PAUSE_MS = 500;
/** The elastic server may have added a thread for the populate burst: wait this long at most for it to give it back. */
const SETTLE_MS = 8000;

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const startedAt = new Date();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Config { name: string; threads: number; elastic: boolean }
const CONFIGS: Config[] = [
  { name: 'elastic', threads: MAX_THREADS, elastic: true },
  ...Array.from({ length: MAX_THREADS }, (_, i) => ({ name: `static ${i + 1}`, threads: i + 1, elastic: false })),
];

async function startServer(c: Config, onStderrLine?: (line: string) => void): Promise<{ proc: ServerProcess; target: Target; controlPort?: number }> {
  const port = await freePort();
  const controlPort = c.elastic && !args['no-poll'] ? await freePort() : undefined;
  const cmd = dataplaneServer().command(port, c.threads);
  cmd.args.push(...(c.elastic ? ['--slo-p99-us', String(SLO_US)] : ['--no-elastic-control']), ...(controlPort ? ['--control-port', String(controlPort)] : []));
  const proc = await ServerProcess.start(`dataplane ${c.name}`, port, cmd, { onStderrLine });
  return { proc, target: { host: '127.0.0.1', port }, controlPort };
}

/** One thread's capacity: the highest offered rate whose p99 stays within the SLO. */
async function calibrate(gen: LoadGenerator): Promise<{ search: SearchResult<StepResult>; peak: StepResult }> {
  const { proc, target } = await startServer({ name: 'static 1', threads: 1, elastic: false });
  try {
    await gen.populate(target, WORKLOAD, CONNECTIONS);
    let seed = 1;
    const retries = QUICK ? 0 : 1;
    const step = async (rate: number) => {
      await sleep(250);
      const r = await gen.run(target, WORKLOAD, { rate, connections: CONNECTIONS, depth: DEPTH, warmupMs: 500, durationMs: QUICK ? 1000 : 2000, drainMs: DRAIN_MS, seed: seed++ });
      if (!proc.alive) throw new Error(`the dataplane exited during calibration: ${proc.stderr.trim()}`);
      log(`calibration: offered ${rate}: achieved ${Math.round(r.achieved)}, p99 ${r.p99} µs, lost ${r.unanswered + r.errors}, unsent ${r.unsent}`);
      return r;
    };
    const search = await searchMaxRate(probeWithRetries(step, retries, SLO_US), { start: 10_000, max: 1_280_000, min: 1000, bisectSteps: QUICK ? 2 : 3 });
    // What the thread delivers saturated: the traces must get near it for the thread to congest.
    return { search, peak: await step(PEAK) };
  } finally {
    await proc.stop();
  }
}

const THREAD_LINE = /(?:added|removed) an elastic thread, now (\d+)/;
const START_LINE = /serving memcached protocol on .* with (\d+) elastic thread/;

async function runConfig(gen: LoadGenerator, trace: LoadTrace, c: Config, seed: number): Promise<ConfigRun> {
  // Thread changes on the shared clock, as the lines arrive: nothing asked of the server.
  const changes: { at: number; threads: number; line: string }[] = [];
  const onLine = (line: string) => {
    const m = THREAD_LINE.exec(line) ?? START_LINE.exec(line);
    if (m) changes.push({ at: sharedClockMs(), threads: Number(m[1]), line });
  };
  const { proc, target, controlPort } = await startServer(c, c.elastic ? onLine : undefined);
  const serverLoad: ServerLoadSample[] = [];
  let poller: NodeJS.Timeout | undefined;
  try {
    await gen.populate(target, WORKLOAD, CONNECTIONS);
    // Every server gets the same pause after the populate burst; the elastic one may have added a
    // thread for it (its EWMAs take a few samples to see it): the trace starts once it is back to
    // one thread and has not changed for a second.
    await sleep(POPULATE_PAUSE_MS);
    if (c.elastic) {
      if (changes.length === 0) throw new Error(`the elastic dataplane did not say how many elastic threads it started with (without the native addon it serves on one event loop: npm run build:native): ${proc.stderr.trim()}`);
      const settleBy = Date.now() + SETTLE_MS;
      const settled = () => changes.at(-1)!.threads <= 1 && sharedClockMs() - changes.at(-1)!.at > 1000;
      while (!settled() && Date.now() < settleBy) await sleep(100);
      if (!settled()) log(`${c.name}: still ${changes.at(-1)!.threads} threads ${SETTLE_MS} ms after the populate; starting the trace all the same`);
    }
    const startAt = sharedClockMs() + LEAD_MS;
    if (controlPort) {
      let inFlight = false;
      poller = setInterval(() => {
        if (inFlight) return;
        inFlight = true;
        fetch(`http://127.0.0.1:${controlPort}/v1/load`)
          .then((res) => res.json() as Promise<{ queueDelayP99Us: number; threads: unknown[] }>)
          .then((b) => void serverLoad.push({ tMs: sharedClockMs() - startAt, queueDelayP99Us: b.queueDelayP99Us, threads: b.threads.length }))
          .catch(() => undefined)
          .finally(() => (inFlight = false));
      }, WINDOW_MS);
    }
    const result: TraceResult = await gen.runTrace(target, WORKLOAD, { rates: trace.rates, windowMs: trace.windowMs, connections: CONNECTIONS, depth: DEPTH, drainMs: DRAIN_MS, seed, startAt });
    if (!proc.alive) throw new Error(`${c.name} exited during the run: ${proc.stderr.trim()}`);
    const durationMs = trace.rates.length * trace.windowMs;
    const rel = changes.map((x) => ({ tMs: x.at - startAt, threads: x.threads, line: x.line }));
    const threads: ThreadEvent[] = c.elastic
      ? [{ tMs: 0, threads: rel.filter((x) => x.tMs <= 0).at(-1)?.threads ?? rel[0]!.threads }, ...rel.filter((x) => x.tMs > 0 && x.tMs < durationMs).map(({ tMs, threads: n }) => ({ tMs, threads: n }))]
      : [{ tMs: 0, threads: c.threads }];
    const t = result.totals;
    log(`${trace.name} / ${c.name}: p99 ${result.overall.p99} µs, completed ${t.completed} of ${t.scheduled}, lost ${t.unanswered + t.errors}, unsent ${t.unsent}, gen lag ${result.maxSendLagMs.toFixed(1)} ms${c.elastic ? `, ${threads.length - 1} thread change(s)` : ''}`);
    return {
      config: c.name, staticThreads: c.elastic ? undefined : c.threads, result, threads, serverLoad,
      decisions: rel.filter((x) => x.tMs > -LEAD_MS && x.tMs < durationMs + DRAIN_MS).map(({ tMs, line }) => ({ tMs, line: line.replace(/^ixctl run: /, '') })),
    };
  } finally {
    if (poller) clearInterval(poller);
    await proc.stop();
  }
}

const loadBefore = os.loadavg();
const gen = LoadGenerator.start(GENERATORS);
let calibration: SearchResult<StepResult>;
const traceRuns: TraceRuns[] = [];
let low: number;
let high: number;
let capacity: number;
let peak: StepResult | undefined;
let warning: string | undefined;
try {
  log(`${CPUS} CPUs: elastic up to ${MAX_THREADS} threads against static 1..${MAX_THREADS}, ${GENERATORS} generator thread(s), ${CONNECTIONS} connections, depth ${DEPTH}, SLO p99 <= ${SLO_US} µs, ${WINDOW_MS} ms windows, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  if (CPUS < MAX_THREADS + GENERATORS) log(`only ${CPUS} CPUs for ${MAX_THREADS} server threads and ${GENERATORS} generator thread(s): the generator shares the cores with the server, so the threads beyond the first add less than a core each`);
  const given = opt('capacity');
  if (given !== undefined) {
    capacity = given;
    calibration = { best: given, bestRate: given, capped: false, probes: [] };
  } else if (opt('low') !== undefined && opt('high') !== undefined) {
    capacity = NaN;
    calibration = { best: NaN, bestRate: NaN, capped: false, probes: [] };
  } else {
    log('calibration: one thread (-t 1 --no-elastic-control), highest rate with p99 within the SLO');
    ({ search: calibration, peak } = await calibrate(gen));
    const lowest = [...calibration.probes].sort((a, b) => a.offered - b.offered)[0];
    ({ capacity, warning } = calibratedCapacity(calibration.bestRate, peak, lowest, SLO_US));
    if (!warning) log(`calibration: one thread sustains ${capacity} req/s with p99 <= ${SLO_US} µs`);
  }
  low = opt('low') ?? Math.round(0.3 * capacity);
  high = opt('high') ?? Math.round(1.6 * capacity);
  warning ??= underloadWarning(high, peak);
  if (warning) log(`calibration: ${warning}`);
  const traces: LoadTrace[] = TRACES.map((name) => (name === 'steps'
    ? stepsTrace({ low, high, windowMs: WINDOW_MS, phaseMs: PHASE_MS })
    : diurnalTrace({ low, high, windowMs: WINDOW_MS, durationMs: DIURNAL_MS })));
  for (const [i, trace] of traces.entries()) {
    const tr: TraceRuns = { trace, runs: [] };
    traceRuns.push(tr);
    log(`${trace.name} trace: ${(trace.rates.length * trace.windowMs) / 1000} s, ${low} to ${high} req/s`);
    // The same seed for every configuration: each is offered the same arrivals.
    for (const c of CONFIGS) tr.runs.push(await runConfig(gen, trace, c, 1000 * (i + 1)));
  }
} finally {
  await gen.close();
}
const loadAfter = os.loadavg();

const analyses = traceRuns.map((t) => analyse(t, SLO_US));
const outDir = path.join(repoRoot, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
const base = path.join(outDir, `elasticity-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
const subtitle = `SLO p99 <= ${SLO_US} µs; one thread's capacity ${Number.isFinite(capacity) ? `${capacity.toLocaleString('en-US')} req/s${calibration.bestRate > 0 ? '' : ' (none met the SLO: half of saturated)'}` : '(not calibrated)'}; ${CPUS} CPUs shared by server and generator; ${WINDOW_MS} ms windows; ${startedAt.toISOString()}`;
const svg = elasticityFigure(traceRuns, analyses, SLO_US, subtitle, MAX_THREADS);
fs.writeFileSync(`${base}.svg`, svg);
const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY }, background: '#ffffff' }).render().asPng();
fs.writeFileSync(`${base}.png`, png);
fs.writeFileSync(`${base}.csv`, timelineCsv(traceRuns, SLO_US));
fs.writeFileSync(`${base}.json`, JSON.stringify({
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: { cpus: CPUS, model: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter },
  options: { quick: QUICK, maxThreads: MAX_THREADS, sloP99Us: SLO_US, windowMs: WINDOW_MS, phaseMs: PHASE_MS, diurnalMs: DIURNAL_MS, connections: CONNECTIONS, depth: DEPTH, generators: GENERATORS, low, high, workload: WORKLOAD },
  calibration: { capacity, search: calibration, peak, warning },
  traces: traceRuns.map((t, i) => ({
    trace: t.trace,
    analysis: { ...analyses[i]!, reactions: Object.fromEntries(analyses[i]!.reactions), steady: analyses[i]!.steady.map((s) => ({ ...s, staticShares: Object.fromEntries(s.staticShares) })) },
    runs: t.runs,
  })),
}, null, 2));

const mix = `${Math.round(WORKLOAD.getRatio * 100)}/${Math.round((1 - WORKLOAD.getRatio) * 100)} get/set, ${CONNECTIONS} connections, depth ${DEPTH}`;
console.log(`\nElasticity: the local controller (-t ${MAX_THREADS}) against static thread counts, SLO p99 <= ${SLO_US} µs, ${WINDOW_MS} ms windows (${mix})`);
if (Number.isFinite(capacity)) console.log(`One thread's capacity: ${capacity.toLocaleString('en-US')} req/s${calibration.bestRate > 0 ? ' within the SLO' : ' (no rate met the SLO: see the warning)'}; the traces go from ${low.toLocaleString('en-US')} to ${high.toLocaleString('en-US')} req/s.`);
if (peak) console.log(`Saturated, one thread delivered ${Math.round(peak.achieved).toLocaleString('en-US')} req/s (offered ${PEAK.toLocaleString('en-US')}; bounded by the generator too).`);
if (warning) console.log(`Warning: ${warning}`);
if (CPUS < MAX_THREADS + GENERATORS) console.log(`This machine has ${CPUS} CPUs: the load generator (${GENERATORS} thread(s)) shares them with the server's ${MAX_THREADS} threads, so a second thread adds less than a core of capacity.`);
traceRuns.forEach((t, i) => {
  const a = analyses[i]!;
  console.log(`\n${t.trace.name} trace, ${(a.durationMs / 1000).toFixed(1)} s (core-s = ∫ active threads dt; best static = fewest threads missing no more windows than the elastic run${a.best && !a.best.matched ? '; none did, so the most' : ''}; lost = unanswered + errors)\n`);
  console.log(summaryTable(t, a, SLO_US));
  if (t.trace.steps.length) {
    console.log(`\n${t.trace.name}: reaction to each step (ms after the step; p99 ok = back under the SLO for 3 windows, 0 = never left it)\n`);
    console.log(reactionTable(t, a));
    console.log(`\n${t.trace.name}: steady state (needed = fewest static threads with <= 10% of windows over the SLO there)\n`);
    console.log(steadyTable(a));
  }
});
if (Math.max(loadBefore[0]!, loadAfter[0]!) > CPUS) {
  console.log(`\nWarning: the load average (${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after) exceeded the core count: other work competed for the CPUs.`);
}
console.log(`\ntimeline: ${path.relative(repoRoot, `${base}.csv`)}   raw: ${path.relative(repoRoot, `${base}.json`)}   plot: ${path.relative(repoRoot, `${base}.svg`)}`);
console.log(`PNG: ${path.relative(repoRoot, `${base}.png`)}`);
