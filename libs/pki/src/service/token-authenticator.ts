import { CertificateDenial } from './certificate-denial.js';
import { tokenExpiryMs, tokenKey } from './token-cache.js';
import { TokenReviewCache } from './token-cache.js';
import type { WorkloadAccount } from './token-cache.js';
import type { CertificateMetrics } from './certificate-metrics.js';
import { LocalTokenVerifier } from './local-token-verifier.js';
import type { IssuerKeys, TokenSubjects } from './local-token-verifier.js';

/** The part of a TokenReview answer the authenticator reads (libs/k8s TokenReviewer returns it). */
export interface ReviewAnswer {
  readonly authenticated: boolean;
  readonly username?: string;
  readonly audiences: readonly string[];
  readonly error?: string;
  /** e.g. `authentication.kubernetes.io/pod-name` of a pod-bound (projected) token. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** TokenReview's `extra` key naming the pod a projected token is bound to. */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

/** Asks the API server; throws when it cannot answer (unreachable, 5xx, forbidden to ask). */
export type ReviewToken = (token: string, audiences: readonly string[]) => Promise<ReviewAnswer>;

export interface TokenAuthenticatorOptions {
  readonly review: ReviewToken;
  /** The audience the token must be issued for: `weft`. */
  readonly audience: string;
  readonly cache: TokenReviewCache;
  /**
   * Checks a token without the API server (signature, claims, watched ServiceAccounts and pods); asked before any
   * TokenReview. It only ever accepts: a token it does not accept goes to TokenReview, which alone refuses.
   */
  readonly verifier?: Pick<LocalTokenVerifier, 'verify'>;
  /** Told how each token was checked: from the cache, by joining a review in flight, locally, or by a new TokenReview. */
  readonly onLookup?: (how: TokenLookup) => void;
}

/** How a token was checked: the `result` label of weft_certificate_token_reviews_total. */
export type TokenLookup = 'cached' | 'shared' | 'verified' | 'reviewed';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/** `system:serviceaccount:<ns>:<name>` → its parts; undefined for any other user. */
export function serviceAccountOf(username: string): WorkloadAccount | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  const [namespace, serviceAccount] = parts;
  if (parts.length !== 2 || namespace === undefined || serviceAccount === undefined) return undefined;
  if (!DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(serviceAccount)) return undefined;
  return { namespace, serviceAccount };
}

/**
 * Turns a bearer token into the ServiceAccount it belongs to: accepted by the local verifier when one is given, else
 * through TokenReview (authenticated, issued for the audience, and a ServiceAccount user). Answers are cached (see
 * TokenReviewCache) and concurrent requests with the same token share one review. Throws CertificateDenial: UNAUTHENTICATED, PERMISSION_DENIED (a token of a user that
 * is not a ServiceAccount) or UNAVAILABLE (the API server could not answer; never cached).
 */
export class TokenAuthenticator {
  readonly #options: TokenAuthenticatorOptions;
  readonly #pending = new Map<string, Promise<WorkloadAccount>>();
  #cacheHits = 0;

  constructor(options: TokenAuthenticatorOptions) {
    this.#options = options;
  }

  get cacheHits(): number {
    return this.#cacheHits;
  }

  async authenticate(token: string): Promise<WorkloadAccount> {
    if (token === '') throw new CertificateDenial('no-token', 'no ServiceAccount token: send "authorization: Bearer <token>" metadata');
    if (token.length > MAX_TOKEN_LENGTH) throw new CertificateDenial('token-rejected', `the token is longer than ${MAX_TOKEN_LENGTH} bytes`);
    const key = tokenKey(token);
    const cached = this.#options.cache.get(key);
    if (cached !== undefined) {
      this.#cacheHits++;
      this.#options.onLookup?.('cached');
      if (cached.ok) return cached.account;
      throw cached.denial;
    }
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      this.#options.onLookup?.('shared');
      return pending;
    }
    const verified = this.#verifyLocally(token);
    if (verified !== undefined) {
      this.#options.cache.accept(key, verified, tokenExpiryMs(token));
      this.#options.onLookup?.('verified');
      return verified;
    }
    this.#options.onLookup?.('reviewed');
    const review = this.#review(token, key).finally(() => this.#pending.delete(key));
    this.#pending.set(key, review);
    return review;
  }

  /** The account when the local verifier accepts the token; undefined (ask TokenReview) otherwise, even if it throws. */
  #verifyLocally(token: string): WorkloadAccount | undefined {
    try {
      const verdict = this.#options.verifier?.verify(token);
      return verdict?.verified === true ? verdict.account : undefined;
    } catch {
      return undefined;
    }
  }

  async #review(token: string, key: string): Promise<WorkloadAccount> {
    const { audience, cache } = this.#options;
    let answer: ReviewAnswer;
    try {
      answer = await this.#options.review(token, [audience]);
    } catch (err) {
      throw new CertificateDenial('api-unavailable', `cannot check the token now: the API server did not answer the TokenReview (${(err as Error).message}); retry later`, { cause: err });
    }
    try {
      const account = this.#judge(answer);
      cache.accept(key, account, tokenExpiryMs(token));
      return account;
    } catch (err) {
      if (err instanceof CertificateDenial) cache.refuse(key, err);
      throw err;
    }
  }

  #judge(answer: ReviewAnswer): WorkloadAccount {
    const { audience } = this.#options;
    if (!answer.authenticated) {
      const why = answer.error ?? 'not authenticated';
      // The API server words an audience mismatch as "token audiences ... is invalid for the target audiences".
      const reason = /audience/i.test(why) ? 'wrong-audience' : 'token-rejected';
      throw new CertificateDenial(reason, `the ServiceAccount token was rejected by the API server: ${why}`);
    }
    if (!answer.audiences.includes(audience)) {
      throw new CertificateDenial('wrong-audience', `the token is not valid for the audience "${audience}" (valid for: ${answer.audiences.join(', ') || 'none reported'})`);
    }
    const account = serviceAccountOf(answer.username ?? '');
    if (account === undefined) {
      throw new CertificateDenial('not-a-service-account', `"${answer.username ?? ''}" is not a ServiceAccount; only ServiceAccount tokens get SVIDs`);
    }
    // A token bound to a pod names exactly one; anything else is treated as unbound (no pod-specific names granted).
    const pods = answer.extra?.[POD_NAME_EXTRA];
    const podName = pods?.length === 1 ? pods[0] : undefined;
    return podName !== undefined && DNS_SUBDOMAIN.test(podName) ? { ...account, podName } : account;
  }
}

/** The API server's issuer keys and the watched token subjects (libs/k8s TokenVerificationSources has this shape). */
export interface LocalVerificationSources {
  readonly keys: { current(): IssuerKeys | undefined; refreshSoon(): void };
  readonly subjects: TokenSubjects;
}

/**
 * The authenticator both certificate services run (the control plane's and the cert-manager bridge's): verifies
 * locally through `verifier` when given, reviews the rest through `review`, answers cached for `ttlMs`, each lookup
 * counted in `weft_certificate_token_reviews_total`.
 */
export function createTokenAuthenticator(options: {
  readonly review: ReviewToken;
  readonly audience: string;
  readonly ttlMs: number;
  /** What tokens are verified against locally (libs/k8s TokenVerificationSources); absent: TokenReview only. */
  readonly local?: LocalVerificationSources;
  readonly metrics: Pick<CertificateMetrics, 'tokenReviews'>;
}): TokenAuthenticator {
  const { local } = options;
  const verifier =
    local === undefined
      ? undefined
      : new LocalTokenVerifier({
          keys: () => local.keys.current(),
          subjects: local.subjects,
          audience: options.audience,
          onUnknownKey: () => {
            local.keys.refreshSoon();
          },
        });
  return new TokenAuthenticator({
    review: options.review,
    audience: options.audience,
    cache: new TokenReviewCache({ ttlMs: options.ttlMs }),
    ...(verifier === undefined ? {} : { verifier }),
    onLookup: (how) => {
      options.metrics.tokenReviews.inc({ result: how });
    },
  });
}
