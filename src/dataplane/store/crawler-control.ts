// What every thread shares with the LRU crawler (lru-crawler.ts), in a SharedArrayBuffer of the
// store: which classes `lru_crawler crawl` asked for, whether a crawl runs (memcached's
// lru_crawler_running), and a word the crawler sleeps on, so that a request wakes it at once.
// The command answers without waiting for the crawl, as memcached's does.

const W_RUNNING = 0; // NOT_RUNNING, AUTO or REQUESTED
const W_WAKE = 1;
const W_CLASSES = 2; // one word per class: 1 while a crawl of it was asked for and has not begun

export const NOT_RUNNING = 0;
/** A crawl the crawler scheduled itself. */
export const AUTO = 1;
/** A crawl `lru_crawler crawl` asked for. */
export const REQUESTED = 2;

export function createCrawlerBuffer(classes: number): SharedArrayBuffer {
  return new SharedArrayBuffer((W_CLASSES + classes) * 4);
}

export class CrawlerControl {
  readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  get classes(): number {
    return this.words.length - W_CLASSES;
  }

  /** NOT_RUNNING, AUTO or REQUESTED. */
  get running(): number {
    return Atomics.load(this.words, W_RUNNING);
  }

  /** A crawl asked for has not finished: memcached refuses another crawl or a metadump meanwhile. */
  get requestedBusy(): boolean {
    return this.running === REQUESTED || this.pending().length > 0;
  }

  /** memcached's lru_crawler_running: a crawl runs, or one was asked for (memcached starts it in the command). */
  get busy(): boolean {
    return this.running !== NOT_RUNNING || this.pending().length > 0;
  }

  setRunning(kind: number): void {
    Atomics.store(this.words, W_RUNNING, kind);
  }

  /**
   * Asks for a crawl of these classes (0-based): false while a crawl asked for earlier has not
   * finished (memcached's BUSY); a crawl the crawler scheduled itself takes the classes on.
   */
  request(classes: readonly number[]): boolean {
    if (this.requestedBusy) return false;
    for (const c of classes) Atomics.store(this.words, W_CLASSES + c, 1);
    this.wake();
    return true;
  }

  /** Classes asked for and not begun yet. */
  pending(): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.classes; c++) if (Atomics.load(this.words, W_CLASSES + c) === 1) out.push(c);
    return out;
  }

  /** The crawl of class c has begun. */
  take(c: number): void {
    Atomics.store(this.words, W_CLASSES + c, 0);
  }

  wake(): void {
    Atomics.add(this.words, W_WAKE, 1);
    Atomics.notify(this.words, W_WAKE);
  }

  /** Resolves after a wake() or `ms`, whichever comes first, without blocking the event loop. */
  async sleep(ms: number): Promise<void> {
    const seen = Atomics.load(this.words, W_WAKE);
    const r = waitAsync(this.words, W_WAKE, seen, ms);
    if (r.async) await r.value;
  }
}

/** Atomics.waitAsync (ES2024; the project's TypeScript lib is older, Node 26 has it). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, value: number, ms: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** This thread's view of a store's crawler control. */
const views = new WeakMap<SharedArrayBuffer, CrawlerControl>();

/** `shared` is the SharedStore (only its crawler words are read here). */
export function crawlerControl(shared: { crawler: SharedArrayBuffer }): CrawlerControl {
  let v = views.get(shared.crawler);
  if (!v) views.set(shared.crawler, (v = new CrawlerControl(shared.crawler)));
  return v;
}
