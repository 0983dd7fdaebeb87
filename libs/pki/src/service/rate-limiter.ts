import { CertificateDenial } from './certificate-denial.js';

export interface RateLimiterOptions {
  /** Tokens added per second to each key's bucket; 0 or less turns the limit off. */
  readonly perSecond: number;
  /** Bucket size: how many requests a key may make at once. */
  readonly burst: number;
  /** Bound on keys tracked; full (idle) buckets are forgotten first. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per key (per identity): `burst` at once, then `perSecond` on average. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.perSecond)) throw new RangeError(`rate must be a finite number, got ${options.perSecond}`);
    if (!Number.isInteger(options.burst) || options.burst < 1) throw new RangeError(`burst must be a positive integer, got ${options.burst}`);
    this.#perMs = Math.max(0, options.perSecond) / 1000;
    this.#burst = options.burst;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#perMs > 0;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is there. */
  take(key: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? this.#add(key, now);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.#perMs) };
  }

  #add(key: string, now: number): Bucket {
    if (this.#buckets.size >= this.#maxKeys) this.#forgetIdle(now);
    const bucket = { tokens: this.#burst, at: now };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** A bucket that has refilled is the same as a new one: forget those, then the oldest if still full. */
  #forgetIdle(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < this.#maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}

/** Takes one request of `account`'s identity (namespace/ServiceAccount) from `limiter`; a refusal is a RESOURCE_EXHAUSTED denial. */
export function takeIdentityRequest(limiter: RateLimiter, account: { readonly namespace: string; readonly serviceAccount: string }): void {
  const identity = `${account.namespace}/${account.serviceAccount}`;
  const decision = limiter.take(identity);
  if (!decision.allowed) {
    throw new CertificateDenial('rate-limited', `too many certificate requests for ${identity}: retry in ${Math.ceil(decision.retryAfterMs / 1000)} s`);
  }
}
