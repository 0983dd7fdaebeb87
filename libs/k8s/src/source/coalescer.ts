export interface CoalescerOptions {
  /** Run once no change has arrived for this long. */
  readonly quietMs: number;
  /** …but never later than this after the first change of a batch, so a storm still converges. */
  readonly maxDelayMs: number;
}

/**
 * Debounces change notifications into batches: waits for a quiet period (with a cap), keeps one run in flight, and
 * merges what arrives during a run into the next batch. Reasons come from a closed set, so metric labels stay bounded.
 */
export class Coalescer<R extends string> {
  private pending = new Set<R>();
  private firstAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly options: CoalescerOptions,
    private readonly run: (reasons: ReadonlySet<R>, waitedMs: number) => Promise<void> | void,
    private readonly now: () => number = Date.now,
  ) {}

  trigger(reason: R): void {
    if (this.stopped) return;
    this.pending.add(reason);
    this.firstAt ??= this.now();
    this.schedule();
  }

  /** Resolves once no batch is pending or running. */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined || this.timer !== undefined) {
      await (this.inFlight ?? new Promise((r) => setTimeout(r, this.options.quietMs)));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.inFlight !== undefined) return; // the run's end reschedules
    if (this.timer !== undefined) clearTimeout(this.timer);
    const firstAt = this.firstAt ?? this.now();
    const wait = Math.max(0, Math.min(this.options.quietMs, firstAt + this.options.maxDelayMs - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
  }

  private fire(): void {
    if (this.stopped || this.pending.size === 0) return;
    const reasons = this.pending;
    const waited = this.now() - (this.firstAt ?? this.now());
    this.pending = new Set();
    this.firstAt = undefined;
    this.inFlight = (async () => {
      try {
        await this.run(reasons, waited);
      } finally {
        this.inFlight = undefined;
        if (this.pending.size > 0) this.schedule();
      }
    })();
  }
}
