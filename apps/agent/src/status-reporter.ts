import type { AgentStatus } from '@weft/bus';
import type { Logger } from '@weft/telemetry';

export interface StatusReporterOptions {
  /** Builds the status to send now; undefined when there is nothing to say yet (no scope known). */
  readonly current: () => AgentStatus | undefined;
  readonly send: (status: AgentStatus) => Promise<void>;
  /** Reports this often even when nothing changes. */
  readonly intervalMs: number;
  /**
   * A change is reported this long after it, and the changes in between go into that one report (default 0: at once).
   * Keeps the report, its JetStream store and the server's ack out of the moments a version is being applied
   * everywhere, and folds a burst of versions (a GitOps sync of many routes) into one report per agent.
   */
  readonly delayMs?: number;
  /** Pause before retrying a failed report. */
  readonly retryMs?: number;
  readonly onResult?: (ok: boolean) => void;
  readonly logger: Logger;
}

/**
 * Sends the agent's status `delayMs` after a change (`trigger`), every interval, and again after a failure until one
 * goes through. One report in flight at a time; changes during the delay or the report are folded into the next.
 */
export class StatusReporter {
  readonly #options: StatusReporterOptions;
  #dirty = true;
  #wake: (() => void) | undefined;
  /** Ends the delay before a report early (only an abort does). */
  #endDelay: (() => void) | undefined;

  constructor(options: StatusReporterOptions) {
    this.#options = options;
  }

  trigger(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const retryMs = this.#options.retryMs ?? 1000;
    // A function: the compiler would narrow `signal.aborted` to false inside the loop.
    const aborted = (): boolean => signal.aborted;
    // One listener for the whole run: a pause is cut short by an abort as by a trigger.
    const onAbort = (): void => {
      this.#wake?.();
      this.#endDelay?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#loop(signal, retryMs, aborted);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async #loop(signal: AbortSignal, retryMs: number, aborted: () => boolean): Promise<void> {
    while (!signal.aborted) {
      let waitMs = this.#options.intervalMs;
      let failed = false;
      if (this.#dirty) {
        const delayMs = this.#options.delayMs ?? 0;
        if (delayMs > 0) await this.#delay(delayMs, signal);
        if (aborted()) break;
        this.#dirty = false;
        const status = this.#options.current();
        if (status !== undefined) {
          try {
            await this.#options.send(status);
            this.#options.onResult?.(true);
          } catch (err) {
            // Not dirty yet: the retry waits `retryMs` (or the next trigger) instead of spinning.
            failed = true;
            waitMs = retryMs;
            this.#options.onResult?.(false);
            if (!aborted()) this.#options.logger.warn({ err }, 'status report failed; retrying');
          }
        }
      }
      if ((await this.#pause(waitMs, signal)) || failed) this.#dirty = true;
    }
  }

  /**
   * Waits `ms`, or less when aborted; triggers do not cut it short (that is the point). Woken through the run's one
   * abort listener: a listener per report costs O(listeners) when many reporters share a signal.
   */
  #delay(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#endDelay = undefined;
        resolve();
      }, ms);
      this.#endDelay = () => {
        clearTimeout(timer);
        this.#endDelay = undefined;
        resolve();
      };
    });
  }

  /**
   * Waits `ms` or until triggered (or aborted); true when the time ran out (a periodic report is due). A plain timer
   * and callback: an AbortController per pause made an AbortError (with its stack) for every version applied.
   */
  #pause(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.#dirty || signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(true);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(false);
      };
    });
  }
}

