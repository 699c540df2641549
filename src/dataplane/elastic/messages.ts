import type { SharedStore } from '../store/store.ts';
import type { ServerInfo } from '../protocol/session.ts';
import type { EngineName } from '../engine.ts';

/** What an elastic thread is started with. */
export interface WorkerInit {
  thread: number;
  cpu: number | undefined;
  store: SharedStore;
  info: ServerInfo;
  batchBound: number;
  writeHighWater: number;
  /** The engine its connections run on (decided once, by the server). */
  engine: EngineName;
  /** Float64Array view: [queueLength, queueDelayUs, idle, requestsPerSecond, meanBatch, requests, batches, queueDelayP99Us] written by the thread. */
  load: SharedArrayBuffer;
}

export const LOAD_FIELDS = ['queueLength', 'queueDelayUs', 'idle', 'requestsPerSecond', 'meanBatch', 'requests', 'batches', 'queueDelayP99Us'] as const;

/** main → thread */
export type ToThread =
  | { type: 'serve'; fd: number; group: number; pending?: Uint8Array }
  | { type: 'release'; groups: number[] }
  | { type: 'pin'; cpu: number }
  /** Close every connection gracefully, each within shutdownMs, then report final counts. */
  | { type: 'stop'; shutdownMs: number };

/** thread → main */
export type FromThread =
  | { type: 'ready'; thread: number; pinned: boolean }
  | { type: 'handed'; thread: number; fd: number; group: number; pending: Uint8Array }
  | { type: 'released'; thread: number; groups: number[] }
  | { type: 'closed'; thread: number }
  | { type: 'stopped'; thread: number; requests: number; batches: number };
