import { createHash } from 'node:crypto';
import type { CertificateDenial } from './certificate-denial.js';

/** A ServiceAccount the API server vouched for. */
export interface WorkloadAccount {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The pod a projected token is bound to (TokenReview extra); undefined for an unbound token. */
  readonly podName?: string;
}

export interface TokenCacheOptions {
  /** Longest a successful review is reused: 60 s. */
  readonly ttlMs?: number;
  /** How long a refusal is remembered (so a client looping on a bad token costs one review per window): 2 s. */
  readonly negativeTtlMs?: number;
  /** Bound on entries; the oldest go first: 100,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

type Entry = { readonly expiresAt: number } & ({ readonly ok: true; readonly account: WorkloadAccount } | { readonly ok: false; readonly denial: CertificateDenial });

export type CachedReview = { readonly ok: true; readonly account: WorkloadAccount } | { readonly ok: false; readonly denial: CertificateDenial };

/** The most any refusal may be cached, whatever the options say ("never longer than a few seconds"). */
export const MAX_NEGATIVE_TTL_MS = 5_000;

/** SHA-256 of the token, hex: the cache never holds a token itself. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The token's `exp` claim in milliseconds, or undefined when it has none or the token is not a JWT. Read without
 * checking the signature: it only ever shortens how long a review the API server already accepted is reused.
 */
export function tokenExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * TokenReview answers keyed by the token's SHA-256. A success is kept until the token's own `exp` or the TTL,
 * whichever comes first (a token without `exp` gets the TTL); a refusal for a few seconds at most.
 */
export class TokenReviewCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.#ttlMs = Math.max(0, options.ttlMs ?? 60_000);
    this.#negativeTtlMs = Math.min(MAX_NEGATIVE_TTL_MS, Math.max(0, options.negativeTtlMs ?? 2_000));
    this.#maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedReview | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.ok ? { ok: true, account: entry.account } : { ok: false, denial: entry.denial };
  }

  /** Remembers an accepted token; `expiresAtMs` is the token's `exp` (nothing is kept past it). */
  accept(key: string, account: WorkloadAccount, expiresAtMs: number | undefined): void {
    const until = Math.min(this.#now() + this.#ttlMs, expiresAtMs ?? Number.POSITIVE_INFINITY);
    this.#put(key, { ok: true, account, expiresAt: until });
  }

  /** Remembers a refusal briefly. Never call this for "could not ask" (the API server unreachable). */
  refuse(key: string, denial: CertificateDenial): void {
    this.#put(key, { ok: false, denial, expiresAt: this.#now() + this.#negativeTtlMs });
  }

  #put(key: string, entry: Entry): void {
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return;
    if (this.#entries.size >= this.#maxEntries) this.#evict();
    this.#entries.set(key, entry);
  }

  /** Drops expired entries, then the oldest until there is room. */
  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
