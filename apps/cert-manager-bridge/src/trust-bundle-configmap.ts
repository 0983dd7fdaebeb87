import type { Logger } from '@weft/telemetry';

/** The ConfigMap key holding the issuer's CA roots, PEM, concatenated. */
export const TRUST_BUNDLE_KEY = 'roots.pem';

export interface TrustBundleConfigMapOptions {
  /** Writes the ConfigMap's `roots.pem` (libs/k8s writeConfigMapData). */
  readonly write: (rootsPem: string) => Promise<void>;
  readonly log: Logger;
}

/**
 * Keeps the bridge's trust-bundle ConfigMap on the roots it answers with (the issuer's CA: status.ca or
 * --trust-bundle-file), for the control plane to put into snapshots and the injector's `weft.dev/ca-roots`. Writes
 * only when the roots change, one write at a time; a failed write is tried again on the next `offer` or `retry`.
 */
export class TrustBundleConfigMap {
  readonly #options: TrustBundleConfigMapOptions;
  #wanted: string | undefined;
  #written: string | undefined;
  #writing: Promise<void> | undefined;

  constructor(options: TrustBundleConfigMapOptions) {
    this.#options = options;
  }

  /** The roots answered now; written when they differ from what the ConfigMap holds. */
  offer(roots: readonly string[]): void {
    if (roots.length === 0) return;
    this.#wanted = roots.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
    void this.retry();
  }

  /** Writes what is wanted if the last write failed or is outdated; resolves when the write in flight ends. */
  async retry(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    const wanted = this.#wanted;
    if (wanted === undefined || wanted === this.#written) return;
    this.#writing = this.#options.write(wanted).then(
      () => {
        this.#written = wanted;
        this.#options.log.info({ roots: (wanted.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length }, 'trust bundle ConfigMap written');
      },
      (err: unknown) => {
        this.#options.log.warn({ err: (err as Error).message }, 'cannot write the trust bundle ConfigMap; will retry');
      },
    );
    try {
      await this.#writing;
    } finally {
      this.#writing = undefined;
    }
    // Newer roots may have been offered while writing.
    if (this.#wanted !== this.#written && this.#wanted !== wanted) await this.retry();
  }

  /** What the ConfigMap holds as far as the bridge knows (for /debug/bridge). */
  get written(): string | undefined {
    return this.#written;
  }
}
