// One elastic thread: pinned to its CPU, serving on its own event loop the connections of the flow
// groups it owns, on the store every thread shares. Connections arrive as descriptors from the
// accepting thread (or from a thread giving a group up) and leave the same way.
import { parentPort, workerData } from 'node:worker_threads';
import { Connection } from '../connection.ts';
import { ServerCounters } from '../counters.ts';
import { LoadMonitor } from '../control/load-monitor.ts';
import { openTransport } from '../engine.ts';
import { loadNative } from '../native.ts';
import { Store } from '../store/store.ts';
import { S } from '../store/stats.ts';
import type { FromThread, ToThread, WorkerInit } from './messages.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: FromThread) => port.postMessage(m);
const store = Store.attach(init.store);
const counters = new ServerCounters(init.batchBound);
const load = new LoadMonitor(counters).start();
const loadView = new Float64Array(init.load);
const { native } = loadNative();
const groups = new Map<number, Set<Connection>>();
/** Connections given to another thread: their handle closes here, but the connection lives on. */
const handedOff = new WeakSet<Connection>();

function pin(cpu: number | undefined): boolean {
  if (cpu === undefined || !native) return false;
  try {
    native.setAffinity([cpu]);
    return true;
  } catch {
    return false;
  }
}

// Publish this thread's load where the control API reads it, without messages.
setInterval(() => {
  const c = load.current;
  loadView.set([c.queueLength, c.queueDelayUs, c.idle, c.requestsPerSecond, c.meanBatch, counters.requests, counters.batches, c.queueDelayP99Us]);
}, 10).unref();

function serve(fd: number, group: number, pending: Uint8Array | undefined): void {
  const conn = new Connection(openTransport(init.engine, native!, fd), store, init.info, { batchBound: init.batchBound, writeHighWater: init.writeHighWater }, counters);
  let set = groups.get(group);
  if (!set) groups.set(group, (set = new Set()));
  set.add(conn);
  conn.whenClosed(() => {
    set.delete(conn);
    if (handedOff.has(conn)) return;
    Atomics.sub(store.stats, S.curr_connections, 1n);
    send({ type: 'closed', thread: init.thread });
  });
  if (pending && pending.length) conn.adopt(Buffer.from(pending.buffer, pending.byteOffset, pending.length));
}

async function release(list: number[]): Promise<void> {
  if (!native) throw new Error('cannot hand connections over without the native addon');
  await Promise.all(list.map(async (group) => {
    const set = groups.get(group);
    groups.delete(group);
    for (const conn of [...(set ?? [])]) {
      const pending = await conn.detach();
      // A client that hung up meanwhile has nothing left to hand over, and one whose descriptor
      // cannot be duplicated cannot be handed over: either closes here and counts as closed.
      const fd = conn.duplicate();
      if (fd < 0) {
        conn.abandon();
        continue;
      }
      handedOff.add(conn);
      conn.abandon();
      send({ type: 'handed', thread: init.thread, fd, group, pending: new Uint8Array(pending) });
    }
  }));
  send({ type: 'released', thread: init.thread, groups: list });
}

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'serve':
      serve(m.fd, m.group, m.pending);
      break;
    case 'release':
      void release(m.groups);
      break;
    case 'pin':
      pin(m.cpu);
      break;
    case 'stop':
      load.stop();
      // Answers already written go out before the FIN (see Connection.shutdown), then final counts,
      // so that totals over all threads never go backwards when a thread retires.
      void Promise.all([...groups.values()].flatMap((set) => [...set].map((c) => c.shutdown(m.shutdownMs)))).then(() => {
        // Its counts stay in the sums; a thread started later may count on in this slot.
        store.detachStats();
        send({ type: 'stopped', thread: init.thread, requests: counters.requests, batches: counters.batches });
        port.close();
      });
      break;
  }
});

send({ type: 'ready', thread: init.thread, pinned: pin(init.cpu) });
