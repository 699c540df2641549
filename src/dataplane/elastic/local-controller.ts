// The fast, local level of IX's control plane: every 100 ms, the policy (core-policy.ts) reads the
// threads' congestion EWMAs and adds or removes one elastic thread, within the CPUs the operator
// granted (a pod) or up to a thread count (local mode). The operator's rebalancer, slower, decides
// what is granted.
import { decideCores, type CoreDecision, type CorePolicyConfig, type ThreadLoad } from './core-policy.ts';

/** What the controller steers: the elastic pool. */
export interface ElasticTarget {
  readonly activeCpus: (number | undefined)[];
  loads(): ThreadLoad[];
  setActive(cpus: number[] | undefined, count?: number): Promise<void>;
}

export interface LocalControllerOptions {
  policy: CorePolicyConfig;
  /** CPUs the threads may run on, in order of preference; undefined: unpinned threads, up to policy.max. */
  granted: () => number[] | undefined;
  onDecision?: (d: CoreDecision & { active: number }) => void;
  /** A step failed (a thread would not start, say): reported, and the next step tries again. */
  onError?: (e: unknown) => void;
  now?: () => number;
  periodMs?: number;
}

export class LocalController {
  private lastChangeAt = -Infinity;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly target: ElasticTarget, private readonly o: LocalControllerOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  start(): this {
    // The threads just started and their EWMAs begin "idle": count the cooldowns from now.
    this.lastChangeAt = this.now();
    this.timer = setInterval(() => {
      this.tick().catch((e: unknown) => this.o.onError?.(e));
    }, this.o.periodMs ?? 100);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The active set changed from outside (operator): cooldowns count from now. */
  noteExternalChange(): void {
    this.lastChangeAt = this.now();
  }

  /** One policy step; returns what it decided (public for tests). */
  async tick(): Promise<CoreDecision | undefined> {
    if (this.busy) return undefined; // a change still moving flow groups
    this.busy = true;
    try {
      const now = this.now();
      const active = this.target.activeCpus;
      const granted = this.o.granted();
      const max = Math.min(this.o.policy.max, granted?.length ?? this.o.policy.max);
      const policy = { ...this.o.policy, max, min: Math.min(this.o.policy.min, max) };
      const d = decideCores(this.target.loads(), { active: active.length, lastChangeAt: this.lastChangeAt }, policy, now);
      if (d.action === 'hold') return d;
      if (granted) {
        const current = active.filter((c): c is number => c !== undefined && granted.includes(c));
        const next = d.action === 'add'
          ? [...current, ...granted.filter((c) => !current.includes(c))].slice(0, d.to)
          : current.slice(0, d.to);
        await this.target.setActive(next);
      } else {
        await this.target.setActive(undefined, d.to);
      }
      this.lastChangeAt = now;
      this.o.onDecision?.({ ...d, active: this.target.activeCpus.length });
      return d;
    } finally {
      this.busy = false;
    }
  }
}
