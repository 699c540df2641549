// Drives a protocol Session the way a connection does (accumulate input, handle requests until
// one is incomplete), without sockets, so parser tests and fuzzing run fast and deterministic.
import { Store } from '../../../src/dataplane/store/store.ts';
import { Session } from '../../../src/dataplane/protocol/session.ts';
import type { ServerInfo } from '../../../src/dataplane/protocol/session.ts';
import { handleRequest } from '../../../src/dataplane/protocol/request.ts';
import { CLOSE, NEED_MORE } from '../../../src/dataplane/protocol/limits.ts';

export const TEST_INFO: ServerInfo = {
  version: 'test', port: 0, listen: '127.0.0.1', maxConnections: 10, threads: 1, batchBound: 64,
  itemSizeMax: 1024 * 1024, memoryLimitMiB: 2, startedAt: 0,
};

export class Driver {
  readonly session: Session;
  private pending: Buffer = Buffer.alloc(0);
  closed = false;

  constructor(readonly store = Store.create({ memoryLimitMiB: 2, itemSizeMax: 1024 * 1024 })) {
    this.session = new Session(store, TEST_INFO);
  }

  /** Feeds bytes and returns the replies they produced (as latin1), releasing value views. */
  feed(input: Buffer | string): string {
    if (this.closed) return '';
    const chunk = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      const next = handleRequest(this.session, buf, pos);
      if (next === NEED_MORE) break;
      if (next === CLOSE) {
        this.closed = true;
        break;
      }
      if (next <= pos && this.session.swallow === 0) throw new Error(`no progress at ${pos}`);
      pos = next;
      if (this.session.closing) {
        this.closed = true;
        break;
      }
    }
    buf = buf.subarray(pos);
    this.pending = Buffer.from(buf);
    const { chunks, refs } = this.session.out.take();
    const text = Buffer.concat(chunks).toString('latin1');
    for (const r of refs) this.store.release(r);
    return text;
  }
}
