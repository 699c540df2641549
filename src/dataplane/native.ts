// The native addon (native/ixnative.c, ADR 0008) with its fallback: where it cannot be built (no C
// compiler, another OS), the dataplane still serves, on threads the OS places and with connections
// that stay on the thread that accepted them, and says so once at start.
import { createRequire } from 'node:module';
import type net from 'node:net';
import path from 'node:path';
import { repoRoot } from '../lib/paths.ts';

export interface Native {
  /** A second descriptor for the same open socket (close-on-exec). */
  dup(fd: number): number;
  /** Pins the calling thread to these CPUs. */
  setAffinity(cpus: number[]): void;
  getAffinity(): number[];
  /** A non-blocking IPv4 listening socket with SO_REUSEPORT set before bind. */
  reusePortListen(host: string, port: number, backlog: number): number;
  // The io_uring ring (native/ixring.c, ADR 0019); absent from an addon built before it.
  /** null when this process can run the io_uring engine, else why not. */
  ringProbe?(): string | null;
  ringCreate(onCompletions: (n: number) => void, bufferCount: number, bufferSize: number): NativeRing;
  ringRecv(ring: RingHandle, fd: number, token: number): void;
  ringCancelRecv(ring: RingHandle, token: number): void;
  ringSend(ring: RingHandle, fd: number, token: number, chunks: Buffer[], from: number): number;
  ringSubmit(ring: RingHandle): void;
  /** In the completions callback: submits what it queued and returns how many completions are there now (0: none). */
  ringNext(ring: RingHandle): number;
  ringKeepAlive(ring: RingHandle, on: boolean): void;
  ringClose(ring: RingHandle): void;
  closeFd(fd: number): void;
  /** shutdown(SHUT_RDWR) */
  shutdownFd(fd: number): void;
  socketPeer(fd: number): { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number };
}

declare const ringHandle: unique symbol;
/** The native ring, opaque to JS. */
export type RingHandle = { readonly [ringHandle]: true };

export interface NativeRing {
  ring: RingHandle;
  /** The provided buffers, read in place. */
  buffers: ArrayBuffer;
  /** [kind, token, res, flags] per completion of the current dispatch. */
  completions: Int32Array;
}

export const NATIVE_PATH = path.join(repoRoot, 'native', 'build', 'Release', 'ixnative.node');

let loaded: { native?: Native; unavailable?: string } | undefined;

export function loadNative(): { native?: Native; unavailable?: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { unavailable: `the native addon is Linux-only (this is ${process.platform})` });
  try {
    loaded = { native: createRequire(import.meta.url)(NATIVE_PATH) as Native };
  } catch (e) {
    loaded = { unavailable: `native addon not loaded from ${NATIVE_PATH} (${(e as Error).message.split('\n')[0]}); build it with npm run build:native (needs a C compiler, python3 and Node's headers)` };
  }
  return loaded;
}

/**
 * A second descriptor for a socket's connection, so that another socket (another thread's, or one
 * read into the receive buffer) can take it over once this one is closed; -1 when the socket has
 * no descriptor any more (the client is gone) or the duplicate cannot be made (out of descriptors).
 */
export function duplicateSocket(native: Native, socket: net.Socket): number {
  const fd = descriptorOf(socket);
  if (fd < 0) return -1;
  try {
    return native.dup(fd);
  } catch {
    return -1;
  }
}

/** A socket's descriptor (libuv's handles expose it on Unix), or -1 once it has none. */
export function descriptorOf(socket: net.Socket): number {
  return (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
}
