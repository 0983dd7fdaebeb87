import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { Informer } from '../informers/informer.js';
import { collectionPath } from '../informers/resource-types.js';
import { CERTIFICATE_REQUEST, certificateRequestObject, isFinished, outcomeOf } from './certificate-request.js';
import type { CertificateRequestOutcome, NewCertificateRequest, OwnerReference } from './certificate-request.js';

/** cert-manager did not finish the request in time; `last` is where it stood (e.g. IssuerNotReady). */
export class CertificateRequestTimeoutError extends Error {
  override readonly name = 'CertificateRequestTimeoutError';
  constructor(
    message: string,
    readonly last: CertificateRequestOutcome | undefined,
  ) {
    super(message);
  }
}

/** The request disappeared before it was finished (someone deleted it). */
export class CertificateRequestGoneError extends Error {
  override readonly name = 'CertificateRequestGoneError';
}

export interface CertificateRequestsOptions {
  readonly http: KubeHttp;
  /** Where the requests are created. */
  readonly namespace: string;
  /** Put on every request this client creates; its watch and its cleanup see only requests carrying them all. */
  readonly labels: Readonly<Record<string, string>>;
  /** Set as the owner of every request, so they go when it goes even if this process never cleans up. */
  readonly owner?: OwnerReference;
  readonly log: Logger;
}

type Waiter = (object: KubeObject | undefined) => void;

/**
 * CertificateRequests one process creates and waits for: a single list+watch of its labelled requests in one namespace
 * tells every waiter when its request changes (one watch for any number of requests in flight, no polling).
 */
export class CertificateRequests {
  readonly #options: CertificateRequestsOptions;
  readonly #informer: Informer;
  readonly #latest = new Map<string, KubeObject>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #synced: Promise<void>;

  constructor(options: CertificateRequestsOptions) {
    this.#options = options;
    let markSynced: () => void = () => undefined;
    this.#synced = new Promise((resolve) => {
      markSynced = resolve;
    });
    const labelSelector = Object.entries(options.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    this.#informer = new Informer(options.http, CERTIFICATE_REQUEST, (changes) => {
      // The informer reports its first list even when it is empty.
      markSynced();
      for (const change of changes) {
        const name = change.object.metadata?.name ?? '';
        if (change.type === 'delete') this.#latest.delete(name);
        else this.#latest.set(name, change.object);
        for (const waiter of this.#waiters.get(name) ?? []) waiter(change.type === 'delete' ? undefined : change.object);
      }
    }, { log: options.log, namespace: options.namespace, labelSelector, watchTimeoutSeconds: 60 });
  }

  /** True once the first list has been applied. */
  get synced(): boolean {
    return this.#informer.synced;
  }

  /** Resolves once the first list has been applied (never, if the API server cannot be reached). */
  whenSynced(): Promise<void> {
    return this.#synced;
  }

  start(): void {
    this.#informer.start();
  }

  async stop(): Promise<void> {
    await this.#informer.stop();
  }

  /** Creates the request, labelled with this client's labels. Throws KubeApiError / KubeConnectionError. */
  async create(request: NewCertificateRequest): Promise<void> {
    const object = certificateRequestObject({ ...request, labels: { ...request.labels, ...this.#options.labels } }, this.#options.namespace, this.#options.owner);
    await this.#options.http.json('POST', collectionPath(CERTIFICATE_REQUEST, this.#options.namespace), object);
  }

  /**
   * Resolves with the request's final outcome (issued, denied or failed) as soon as the watch reports it. Rejects with
   * CertificateRequestTimeoutError after `timeoutMs`, CertificateRequestGoneError if it is deleted first, or the
   * signal's reason. Call it before `create` so no change can slip by.
   */
  waitForOutcome(name: string, timeoutMs: number, signal?: AbortSignal): Promise<CertificateRequestOutcome> {
    return new Promise((resolve, reject) => {
      let seen = false;
      const waiters = this.#waiters.get(name) ?? new Set<Waiter>();
      this.#waiters.set(name, waiters);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        waiters.delete(waiter);
        if (waiters.size === 0) this.#waiters.delete(name);
      };
      const waiter: Waiter = (object) => {
        if (object === undefined) {
          if (!seen) return;
          done();
          reject(new CertificateRequestGoneError(`CertificateRequest ${this.#options.namespace}/${name} was deleted before cert-manager finished it`));
          return;
        }
        seen = true;
        const outcome = outcomeOf(object);
        if (outcome.state === 'pending') return;
        done();
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        done();
        const current = this.#latest.get(name);
        const last = current === undefined ? undefined : outcomeOf(current);
        const where = last === undefined ? 'it was never seen by the watch' : `last state: ${last.state} ${last.state === 'issued' ? '' : `${last.reason}: ${last.message}`}`;
        reject(new CertificateRequestTimeoutError(`cert-manager did not finish CertificateRequest ${this.#options.namespace}/${name} within ${Math.round(timeoutMs / 1000)} s (${where.trim()})`, last));
      }, timeoutMs);
      const aborted = (): void => {
        done();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', aborted, { once: true });
      waiters.add(waiter);
      const current = this.#latest.get(name);
      if (current !== undefined) waiter(current);
    });
  }

  /** Deletes a request; one that is already gone is fine. */
  async delete(name: string): Promise<void> {
    try {
      await this.#options.http.json('DELETE', `${collectionPath(CERTIFICATE_REQUEST, this.#options.namespace)}/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      throw err;
    }
  }

  /**
   * This client's requests that nobody needs any more: finished ones, and unfinished ones created more than
   * `abandonedAfterMs` ago (their waiter gave up, or the process that made them is gone).
   */
  leftovers(abandonedAfterMs: number, now = Date.now()): string[] {
    const names: string[] = [];
    for (const [name, object] of this.#latest) {
      if (this.#waiters.has(name)) continue;
      const created = Date.parse((object.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp ?? '');
      if (isFinished(object) || (Number.isFinite(created) && now - created > abandonedAfterMs)) names.push(name);
    }
    return names.sort();
  }

  /** Names this client currently sees (for tests and /debug). */
  names(): string[] {
    return [...this.#latest.keys()].sort();
  }
}
