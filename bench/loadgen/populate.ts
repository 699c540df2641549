/**
 * Warm-up: stores every key of this worker's shard before measuring, so gets hit and the servers
 * have allocated their memory. Sets go in pipelined windows, waiting for each window's replies, so
 * neither side buffers the whole key space.
 */
import { LoadConnection } from './load-connection.ts';
import type { Workload } from './workload.ts';
import type { Target } from './messages.ts';

const WINDOW = 64;

export async function populate(target: Target, workload: Workload, connections: number, shard: number, shards: number): Promise<void> {
  const keys: number[] = [];
  for (let k = shard; k < workload.spec.keys; k += shards) keys.push(k);
  const perConn = Math.ceil(keys.length / connections);
  await Promise.all(Array.from({ length: connections }, (_, i) => populateSlice(target, workload, keys.slice(i * perConn, (i + 1) * perConn))));
}

async function populateSlice(target: Target, workload: Workload, keys: number[]): Promise<void> {
  if (keys.length === 0) return;
  let waiting = 0;
  let bad: string | undefined;
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const conn = await LoadConnection.connect(
    target,
    (kind) => {
      if (kind !== 'stored') bad ??= kind;
      if (--waiting === 0) settle?.resolve();
    },
    (err) => settle?.reject(err),
  );
  try {
    for (let i = 0; i < keys.length; i += WINDOW) {
      const window = keys.slice(i, i + WINDOW);
      waiting = window.length;
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      conn.send(Buffer.concat(window.map((k) => workload.setRequest(k))), window.length, 0);
      await done;
      if (bad) throw new Error(`populate: a set was answered ${bad}`);
    }
  } finally {
    conn.close();
  }
}
