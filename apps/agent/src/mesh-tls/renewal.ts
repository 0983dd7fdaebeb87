/** How the SVID is renewed early; SvidSource.renew in the agent. */
export interface RenewableSvid {
  renew(): void;
}

export interface MeshNameRenewalOptions {
  readonly svids: RenewableSvid;
  /** Retries for one unchanged lack of names, after the immediate request: 2 s, 4 s, … up to maxMs. */
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly maxRetries?: number;
  readonly onRenew?: (missing: readonly string[], attempt: number) => void;
}

/**
 * Paces early renewals when the SVID lacks mesh names the snapshot shows: one request at once per change of what is
 * missing, then (the CA's world may lag the snapshot by a moment) a few retries with growing pauses, and nothing
 * more until what is missing changes again or the regular rotation comes.
 */
export class MeshNameRenewal {
  readonly #options: MeshNameRenewalOptions;
  #key: string | undefined;
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MeshNameRenewalOptions) {
    this.#options = options;
  }

  /** Requests issued for the current lack of names (0 when nothing is missing). */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * What the current SVID lacks, checked after each snapshot and each new SVID. `newSvid`: a certificate has just
   * arrived, so a lack that persists through it earns the next (paced) retry.
   */
  check(missing: readonly string[], newSvid: boolean): void {
    if (missing.length === 0) {
      this.#reset(undefined);
      return;
    }
    const key = missing.join(' ');
    if (key !== this.#key) {
      this.#reset(key);
      this.#request(missing);
      return;
    }
    const retries = this.#options.maxRetries ?? 5;
    if (!newSvid || this.#timer !== undefined || this.#attempts > retries) return;
    const initial = this.#options.initialMs ?? 2_000;
    const waitMs = Math.min(this.#options.maxMs ?? 60_000, initial * 2 ** (this.#attempts - 1));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#request(missing);
    }, waitMs);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #request(missing: readonly string[]): void {
    this.#attempts++;
    this.#options.onRenew?.(missing, this.#attempts);
    this.#options.svids.renew();
  }

  #reset(key: string | undefined): void {
    this.stop();
    this.#key = key;
    this.#attempts = 0;
  }
}
