// The LRU crawler: the one owner of crawls through the slab classes' LRUs, freeing expired and
// flushed items no request has come across (memcached's crawler thread). It runs on the accepting
// thread's event loop, which with elastic threads serves no connection, in bounded slices: a slice
// holds the store's global lock for CRAWL_SLICE items at most, the crawler yields to the event
// loop after each one and sleeps `lru_crawler sleep` µs after every CRAWLS_PER_SLEEP items, as
// memcached's does, so serving is never held up for long.
//
// It crawls the classes `lru_crawler crawl` asks for (crawler-control.ts), and, unless `auto` is
// off, schedules crawls itself as memcached's LRU maintainer does (lru_maintainer_crawler_check):
// after crawling a class it waits until enough of the live items it saw will have expired (1% of
// those with a TTL, plus one) to make the next crawl worth it, between 1 and 60 seconds (memcached
// reckons in minutes, up to an hour: its maintainer also reclaims at the LRU tails, which this store
// does only when allocating), and a flush_all makes every class due once it has taken effect.
import type { Store } from './store.ts';
import { TTL_BUCKETS, type CrawlCursor } from './store.ts';
import { CLS_ITEMS, CLS_STRIDE, CTL_OLDEST_LIVE, NONE } from './layout.ts';
import { AUTO, NOT_RUNNING, REQUESTED, crawlerControl, type CrawlerControl } from './crawler-control.ts';

/** Items looked at per hold of the global lock. */
export const CRAWL_SLICE = 250;
/** Items between two sleeps (memcached's crawls_persleep). */
const CRAWLS_PER_SLEEP = 1000;
const MIN_WAIT_MS = 1000;
const MAX_WAIT_MS = 60_000;
/** Longest the crawler sleeps between looks at its schedule, the disabled switch and flushes. */
const IDLE_MS = 1000;

export interface LruCrawlerOptions {
  /** Crawl on its own schedule, not only when asked (memcached's crawls scheduled by its LRU maintainer). */
  auto: boolean;
  /** Monotonic clock in ms; tests replace it. */
  now?: () => number;
}

export class LruCrawler {
  private readonly control: CrawlerControl;
  private readonly nextAt: number[];
  private readonly now: () => number;
  private stopped = false;
  private loop?: Promise<void>;
  /** flush_all's cut-off when last looked at: a new one makes every class due when it passes. */
  private flushSeen: number;

  constructor(private readonly store: Store, private readonly o: LruCrawlerOptions) {
    this.control = crawlerControl(store.shared);
    this.now = o.now ?? (() => performance.now());
    // Due at once, as memcached's maintainer crawls every class when it starts.
    this.nextAt = new Array<number>(store.classCount).fill(0);
    this.flushSeen = Atomics.load(store.ctl, CTL_OLDEST_LIVE);
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.control.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const requested = this.control.pending();
      const due = requested.length > 0 ? [] : this.dueClasses();
      if (requested.length === 0 && due.length === 0) {
        await this.control.sleep(this.idleMs());
        continue;
      }
      await this.crawl(requested.length > 0 ? requested : due, requested.length > 0 ? REQUESTED : AUTO);
    }
  }

  /** Runs the crawls asked for, to the end (for tests that drive a store without a server). */
  async crawlRequested(): Promise<void> {
    const requested = this.control.pending();
    if (requested.length > 0) await this.crawl(requested, REQUESTED);
  }

  private enabled(): boolean {
    return this.store.adminSetting('lru_crawler') === 1;
  }

  private dueClasses(): number[] {
    if (!this.o.auto || !this.enabled()) return [];
    const now = this.now();
    const flush = Atomics.load(this.store.ctl, CTL_OLDEST_LIVE);
    if (flush !== this.flushSeen && flush <= this.store.now()) {
      this.flushSeen = flush;
      this.nextAt.fill(0);
    }
    const due: number[] = [];
    for (let c = 0; c < this.nextAt.length; c++) if (this.nextAt[c]! <= now && this.items(c) > 0) due.push(c);
    return due;
  }

  /**
   * Until the soonest class with items comes due. Only those do (dueClasses): an empty class's
   * nextAt is 0 until its first crawl, and counting it woke the crawler every millisecond, which
   * cost a server that is idle, or serving a moderate load, about 1,000 wake-ups a second.
   */
  private idleMs(): number {
    if (!this.o.auto) return IDLE_MS;
    let soonest = Infinity;
    for (let c = 0; c < this.nextAt.length; c++) if (this.items(c) > 0) soonest = Math.min(soonest, this.nextAt[c]!);
    return Math.max(1, Math.min(IDLE_MS, soonest - this.now()));
  }

  private items(c: number): number {
    return this.store.cls[c * CLS_STRIDE + CLS_ITEMS]!;
  }

  /** One crawler run over `classes`: memcached counts each as one lru_crawler_starts. */
  private async crawl(classes: number[], kind: number): Promise<void> {
    this.control.setRunning(kind);
    this.store.countCrawlerStart();
    try {
      for (let i = 0; i < classes.length && !this.stopped; i++) {
        await this.crawlClass(classes[i]!);
        // Classes asked for while this crawl ran join it.
        if (kind === AUTO) for (const c of this.control.pending()) if (!classes.includes(c)) classes.push(c);
      }
    } finally {
      this.control.setRunning(NOT_RUNNING);
    }
  }

  private async crawlClass(c: number): Promise<void> {
    this.control.take(c);
    const cursor: CrawlCursor = { ref: NONE, cas: 0n };
    const ttl = new Uint32Array(TTL_BUCKETS);
    const tocrawl = this.store.adminSetting('lru_crawler_tocrawl');
    // Every item once: an item that comes back after the cursor was lost is not looked at forever.
    const limit = tocrawl > 0 ? tocrawl : this.items(c);
    let checked = 0;
    let sinceSleep = 0;
    while (checked < limit && !this.stopped && this.enabled()) {
      const r = this.store.crawlSlice(c, cursor, Math.min(CRAWL_SLICE, limit - checked), ttl);
      checked += r.checked;
      sinceSleep += r.checked;
      if (r.done) break;
      if (sinceSleep >= CRAWLS_PER_SLEEP) {
        sinceSleep = 0;
        await pause(this.store.adminSetting('lru_crawler_sleep'));
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    this.nextAt[c] = this.now() + nextWaitMs(ttl);
  }
}

/**
 * How long until the next crawl of a class is worth it, from the live items its crawl saw: until
 * 1% of those with a TTL (and at least one) will have expired, between MIN_WAIT_MS and MAX_WAIT_MS.
 */
export function nextWaitMs(ttl: Uint32Array): number {
  let withTtl = 0;
  for (let s = 0; s < TTL_BUCKETS - 1; s++) withTtl += ttl[s]!;
  const enough = Math.floor(withTtl / 100) + 1;
  let expired = 0;
  for (let s = 0; s < TTL_BUCKETS - 2; s++) {
    expired += ttl[s]!;
    if (expired >= enough) return Math.max(MIN_WAIT_MS, (s + 1) * 1000);
  }
  return MAX_WAIT_MS;
}

/** memcached's usleep between crawl steps, in µs: 0 only yields. */
function pause(us: number): Promise<void> {
  return new Promise((resolve) => (us <= 0 ? setImmediate(resolve) : setTimeout(resolve, Math.max(1, Math.round(us / 1000)))));
}
