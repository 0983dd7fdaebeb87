import { setTimeout as sleep } from 'node:timers/promises';

/** Growing pauses between retries (doubling from `firstMs` up to `maxMs`), cut short by `signal`. */
export class Backoff {
  #next: number;

  constructor(
    private readonly firstMs = 50,
    private readonly maxMs = 2000,
  ) {
    this.#next = firstMs;
  }

  /** Waits the next pause; resolves false instead of throwing when `signal` aborts it. */
  async wait(signal: AbortSignal): Promise<boolean> {
    const ms = this.#next;
    this.#next = Math.min(this.#next * 2, this.maxMs);
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  reset(): void {
    this.#next = this.firstMs;
  }
}
