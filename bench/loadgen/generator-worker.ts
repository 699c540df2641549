/**
 * Entry of a generator worker thread. One event loop cannot both pace tens of thousands of
 * arrivals per second and parse their responses without becoming the bottleneck, so the
 * coordinator spreads connections and rate over several of these and merges what they measure.
 */
import { parentPort } from 'node:worker_threads';
import { Workload } from './workload.ts';
import type { WorkloadSpec } from './workload.ts';
import { populate } from './populate.ts';
import { runOpenLoop } from './open-loop.ts';
import { runTrace } from './trace-loop.ts';
import type { FromWorker, ToWorker } from './messages.ts';

if (!parentPort) throw new Error('generator-worker.ts runs as a worker thread');
const port = parentPort;

// Encoding every request of a key space takes a moment: keep it across steps.
let cached: { key: string; workload: Workload } | undefined;
function workloadFor(spec: WorkloadSpec): Workload {
  const key = JSON.stringify(spec);
  if (cached?.key !== key) cached = { key, workload: new Workload(spec) };
  return cached.workload;
}

async function handle(msg: ToWorker): Promise<FromWorker> {
  if (msg.type === 'populate') {
    await populate(msg.target, workloadFor(msg.workload), msg.connections, msg.shard, msg.shards);
    return { type: 'populated' };
  }
  if (msg.type === 'trace') return { type: 'trace-report', report: await runTrace(msg.target, workloadFor(msg.workload), msg.trace) };
  return { type: 'report', report: await runOpenLoop(msg.target, workloadFor(msg.workload), msg.step) };
}

port.on('message', (msg: ToWorker) => {
  handle(msg).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker),
  );
});
