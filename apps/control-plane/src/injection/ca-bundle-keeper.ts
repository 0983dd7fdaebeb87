import type { CaBundleWrite } from '@weft/k8s';
import type { Logger } from '@weft/telemetry';
import type { InjectionMetrics } from './injection-metrics.js';

export interface CaBundleKeeperOptions {
  /** The MutatingWebhookConfiguration to keep. */
  readonly configurationName: string;
  /** The roots API servers must trust, PEM; read on every pass. */
  readonly bundle: () => string;
  /** Writes the bundle into every webhook of the configuration (libs/k8s setMutatingWebhookCaBundle). */
  readonly write: (name: string, caBundlePem: string) => Promise<CaBundleWrite>;
  readonly log: Logger;
  readonly metrics?: InjectionMetrics;
  /** Between passes: a `helm upgrade` or a hand edit that drops the caBundle is repaired within this. */
  readonly intervalMs?: number;
}

/**
 * Keeps `clientConfig.caBundle` of the webhook configuration equal to the CA's roots: at start, on `refresh()` (a
 * renewed certificate or rotated root), and every `intervalMs`. Writing is idempotent, so every replica may run one.
 * A missing configuration (not installed yet) is logged once and retried; a failed write is retried next pass.
 */
export class CaBundleKeeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #lastResult: CaBundleWrite | 'failed' | undefined;

  constructor(private readonly options: CaBundleKeeperOptions) {}

  /** The outcome of the last pass: `undefined` before the first. */
  get lastResult(): CaBundleWrite | 'failed' | undefined {
    return this.#lastResult;
  }

  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => {
      void this.refresh();
    }, this.options.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Runs a pass now (or right after the one in flight); resolves when the bundle has been checked. */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.pass();
      } while (this.runAgain());
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** A refresh() came in during the pass. */
  private runAgain(): boolean {
    return this.#again && !this.#stopped;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  private async pass(): Promise<void> {
    const { configurationName: name, log } = this.options;
    let result: CaBundleWrite | 'failed';
    try {
      result = await this.options.write(name, this.options.bundle());
    } catch (err) {
      result = 'failed';
      log.warn({ configuration: name, err: (err as Error).message }, 'could not write the CA bundle into the webhook configuration; retrying');
    }
    this.options.metrics?.caBundleWrites.inc({ result: result === 'not-found' ? 'not_found' : result });
    if (result === 'updated') log.info({ configuration: name }, 'wrote the CA bundle into the webhook configuration');
    if (result === 'not-found' && this.#lastResult !== 'not-found') {
      log.warn({ configuration: name }, 'the MutatingWebhookConfiguration does not exist (yet): install it (the Helm chart does) and its caBundle will be filled in');
    }
    this.#lastResult = result;
  }
}
