// Which engine moves the dataplane's bytes (ADR 0019): io_uring (engine-uring.ts) where this
// kernel and the process's seccomp filter allow it, else libuv (engine-libuv.ts), today's path.
import type net from 'node:net';
import { loadNative, type Native } from './native.ts';
import type { Transport } from './engine-transport.ts';
import { LibuvTransport } from './engine-libuv.ts';
import { UringTransport } from './engine-uring.ts';
import { RING_READ_AHEAD_BYTES } from './engine-ring.ts';
import { RECEIVE_BUFFER_BYTES } from './receive-buffer.ts';

export const ENGINES = ['io_uring', 'libuv'] as const;
export type EngineName = (typeof ENGINES)[number];
/** What `--engine` accepts. */
export type EngineChoice = EngineName | 'auto';

/** The engine that runs, and why (said on stderr, in /metrics and /v1/load). */
export interface EngineDecision {
  name: EngineName;
  reason: string;
}

/**
 * Decides once per server. `io_uring` asked for but unavailable is an error, not a fallback: a
 * test or an operator that asks for it must not get the other engine silently.
 */
export function chooseEngine(requested: EngineChoice, loaded: { native?: Native; unavailable?: string } = loadNative()): EngineDecision {
  if (requested === 'libuv') return { name: 'libuv', reason: 'asked for (--engine libuv)' };
  const native = loaded.native;
  const why = !native ? loaded.unavailable! : !native.ringProbe ? 'the native addon predates the io_uring ring (npm run build:native)' : native.ringProbe();
  if (why === null) return { name: 'io_uring', reason: requested === 'auto' ? 'auto: io_uring is available' : 'asked for (--engine io_uring)' };
  if (requested === 'io_uring') throw new Error(`--engine io_uring: io_uring is not available here: ${why}`);
  return { name: 'libuv', reason: `auto: io_uring is not available (${why})` };
}

/**
 * A transport over a connection's descriptor (it becomes the transport's), on this thread's
 * engine. Without the addon (no descriptors), an accepted socket is read through its stream.
 */
export function openTransport(engine: EngineName, native: Native, fd: number): Transport {
  return engine === 'io_uring' ? new UringTransport(native, fd) : LibuvTransport.fromFd(fd, native);
}

export function socketTransport(socket: net.Socket): Transport {
  return LibuvTransport.fromSocket(socket, undefined);
}

/**
 * The most input a connection can bring in past its input bound before a pause takes effect: two
 * of Node's reads into the receive buffer on libuv, the ring's provided buffers on io_uring.
 */
export function readAheadBytes(engine: EngineName): number {
  return engine === 'io_uring' ? RING_READ_AHEAD_BYTES : 2 * RECEIVE_BUFFER_BYTES;
}
