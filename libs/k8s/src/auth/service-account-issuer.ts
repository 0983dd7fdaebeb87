import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';

/** One JSON Web Key as the API server publishes it (`kty`, `kid`, `alg`, `use`, `n`/`e` or `crv`/`x`/`y`). */
export type JsonWebKeyJson = Readonly<Record<string, unknown>>;

/** The API server's ServiceAccount token issuer and the public keys its tokens are signed with. */
export interface IssuerKeySet {
  /** `issuer` of /.well-known/openid-configuration: the first --service-account-issuer. */
  readonly issuer: string;
  readonly keys: readonly JsonWebKeyJson[];
  /** Epoch ms of the fetch. */
  readonly fetchedAt: number;
}

export interface ServiceAccountIssuerKeysOptions {
  readonly log: Logger;
  /** How often the keys are fetched again (a rotation of the API server's signing key): 5 minutes. */
  readonly refreshMs?: number;
  /** Fewest milliseconds between two fetches asked for by an unknown `kid` (a token cannot make us hammer): 10 s. */
  readonly minRefreshIntervalMs?: number;
  /** How long one request may take: 10 s. */
  readonly timeoutMs?: number;
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';
// Always served by the API server itself, whatever jwks_uri the discovery document names (that URL is built from
// the issuer, which need not resolve from inside the cluster).
const JWKS_PATH = '/openid/v1/jwks';

/** The discovery document or the key set was refused or malformed; the message names the fix. */
export class IssuerKeysError extends Error {
  override readonly name = 'IssuerKeysError';
}

/**
 * Fetches the ServiceAccount issuer (`/.well-known/openid-configuration`) and its JWKS (`/openid/v1/jwks`) from the
 * API server, refreshes them every `refreshMs`, and again when asked (`refreshSoon`, e.g. for a token signed with an
 * unknown `kid` after a key rotation) at most once per `minRefreshIntervalMs`. A failed fetch keeps the last good set.
 */
export class ServiceAccountIssuerKeys {
  readonly #http: KubeHttp;
  readonly #log: Logger;
  readonly #refreshMs: number;
  readonly #minIntervalMs: number;
  readonly #timeoutMs: number;
  #current: IssuerKeySet | undefined;
  #lastError: string | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #fetches = 0;

  constructor(http: KubeHttp, options: ServiceAccountIssuerKeysOptions) {
    this.#http = http;
    this.#log = options.log.child({ part: 'issuer-keys' });
    this.#refreshMs = options.refreshMs ?? 300_000;
    this.#minIntervalMs = options.minRefreshIntervalMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The newest key set fetched, undefined before the first fetch succeeded. */
  current(): IssuerKeySet | undefined {
    return this.#current;
  }

  /** Fetches attempted so far. */
  get fetches(): number {
    return this.#fetches;
  }

  describe(): { readonly issuer: string | null; readonly kids: readonly string[]; readonly fetchedAt: string | null; readonly lastError: string | null } {
    const set = this.#current;
    return {
      issuer: set?.issuer ?? null,
      kids: (set?.keys ?? []).map((k) => (typeof k['kid'] === 'string' ? k['kid'] : '')),
      fetchedAt: set === undefined ? null : new Date(set.fetchedAt).toISOString(),
      lastError: this.#lastError ?? null,
    };
  }

  /** Fetches now, then every `refreshMs`. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Asks for a fetch unless one ran within `minRefreshIntervalMs`; never waits for it. */
  refreshSoon(): void {
    if (Date.now() - this.#lastAttemptAt < this.#minIntervalMs) return;
    void this.refresh();
  }

  /** Fetches the discovery document and the keys; concurrent calls share one fetch. Never rejects. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    this.#lastAttemptAt = Date.now();
    this.#fetches++;
    try {
      const discovery = await this.#get<{ issuer?: unknown }>(DISCOVERY_PATH);
      if (typeof discovery.issuer !== 'string' || discovery.issuer === '') throw new IssuerKeysError(`${DISCOVERY_PATH} names no issuer`);
      // The API server answers 406 to `application/json` here.
      const jwks = await this.#get<{ keys?: unknown }>(JWKS_PATH, 'application/jwk-set+json');
      if (!Array.isArray(jwks.keys)) throw new IssuerKeysError(`${JWKS_PATH} has no "keys" array`);
      const keys = jwks.keys.filter((k): k is JsonWebKeyJson => typeof k === 'object' && k !== null);
      const previous = this.#current;
      this.#current = { issuer: discovery.issuer, keys, fetchedAt: Date.now() };
      if (previous === undefined || previous.issuer !== discovery.issuer || kidsOf(previous) !== kidsOf(this.#current) || this.#lastError !== undefined) {
        this.#log.info({ issuer: discovery.issuer, kids: kidsOf(this.#current) }, 'ServiceAccount issuer keys loaded');
      }
      this.#lastError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.#lastError) {
        this.#log.warn({ err: message, keeping: this.#current === undefined ? null : kidsOf(this.#current) }, 'cannot fetch the ServiceAccount issuer keys; tokens are checked with TokenReview meanwhile');
      }
      this.#lastError = message;
    }
  }

  async #get<T>(path: string, accept = 'application/json'): Promise<T> {
    try {
      return await this.#http.json<T>('GET', path, undefined, undefined, { timeoutMs: this.#timeoutMs, accept });
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 403 || err.status === 401)) {
        throw new IssuerKeysError(
          `the API server refuses GET ${path} (${err.message}); grant this ServiceAccount a ClusterRole with verbs ["get"] on ` +
            `nonResourceURLs ["${DISCOVERY_PATH}", "${JWKS_PATH}"] (Kubernetes' system:service-account-issuer-discovery)`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}

function kidsOf(set: IssuerKeySet): string {
  return set.keys.map((k) => (typeof k['kid'] === 'string' ? k['kid'] : '')).sort().join(',');
}
