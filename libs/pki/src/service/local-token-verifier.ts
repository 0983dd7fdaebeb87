import { parseCompactJws, signatureValid, verificationKeys } from './jws-keys.js';
import type { VerificationKey } from './jws-keys.js';
import type { WorkloadAccount } from './token-cache.js';

/** The API server's ServiceAccount issuer and its JWKS (libs/k8s ServiceAccountIssuerKeys fetches them). */
export interface IssuerKeys {
  readonly issuer: string;
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/** An object a token names, as the watch sees it now. */
export interface BoundObject {
  readonly uid: string;
  readonly deleting: boolean;
}

/** The ServiceAccounts and Pods of the cluster by namespace and name (libs/k8s TokenSubjectIndex). */
export interface TokenSubjects {
  /** False until every kind has been listed once. */
  readonly synced: boolean;
  serviceAccount(namespace: string, name: string): BoundObject | undefined;
  pod(namespace: string, name: string): BoundObject | undefined;
}

export interface LocalTokenVerifierOptions {
  /** The newest key set; undefined before it was fetched. */
  readonly keys: () => IssuerKeys | undefined;
  readonly subjects: TokenSubjects;
  /** The audience the token must be issued for: `weft`. */
  readonly audience: string;
  /** Told when a token names a `kid` the key set lacks (the API server may have rotated its key): fetch again. */
  readonly onUnknownKey?: () => void;
  readonly now?: () => number;
}

/** Why a token was not accepted locally (it then goes to TokenReview, which alone may refuse it). A closed set. */
export type NotVerifiedReason =
  | 'no-keys'
  | 'not-synced'
  | 'malformed'
  | 'unsupported-algorithm'
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'expired'
  | 'not-yet-valid'
  | 'not-a-bound-token'
  | 'unsupported-binding'
  | 'service-account-mismatch'
  | 'pod-mismatch';

export type LocalVerdict = { readonly verified: true; readonly account: WorkloadAccount } | { readonly verified: false; readonly reason: NotVerifiedReason };

/**
 * How far `nbf` and `iat` may lie ahead of our clock (the API server's own clock may run a little ahead). The API
 * server allows a minute each way; this stays inside it, and `exp` gets no leeway at all, so every token accepted
 * here is one the API server accepts too.
 */
export const CLOCK_SKEW_SECONDS = 5;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface ObjectRef {
  readonly name: string;
  readonly uid: string;
}

function refOf(value: unknown): ObjectRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, uid } = value as { name?: unknown; uid?: unknown };
  return typeof name === 'string' && name !== '' && typeof uid === 'string' && uid !== '' ? { name, uid } : undefined;
}

const notVerified = (reason: NotVerifiedReason): LocalVerdict => ({ verified: false, reason });

/**
 * Checks a projected ServiceAccount token the way the API server's TokenReview does, without asking it: the
 * signature with the issuer key named by `kid`, issuer, audience, validity window, and that the ServiceAccount (and
 * the pod a token is bound to) still exist with the uids in the token. It only ever accepts: anything it cannot
 * vouch for (a key it lacks, an index not yet synced or lagging, a Secret- or Node-bound or legacy token) is
 * "not verified", and the caller asks TokenReview.
 */
export class LocalTokenVerifier {
  readonly #options: LocalTokenVerifierOptions;
  #keysOf: { readonly set: IssuerKeys; readonly keys: ReadonlyMap<string, VerificationKey> } | undefined;

  constructor(options: LocalTokenVerifierOptions) {
    this.#options = options;
  }

  verify(token: string): LocalVerdict {
    const set = this.#options.keys();
    if (set === undefined) return notVerified('no-keys');
    const { subjects, audience } = this.#options;
    if (!subjects.synced) return notVerified('not-synced');
    const jws = parseCompactJws(token);
    if (jws === undefined) return notVerified('malformed');
    const { header, claims } = jws;
    if (header['alg'] !== 'RS256' && header['alg'] !== 'ES256') return notVerified('unsupported-algorithm');
    // A critical extension we do not know would have to be understood to accept the token.
    if (header['crit'] !== undefined) return notVerified('unsupported-algorithm');
    const kid = header['kid'];
    const key = typeof kid === 'string' ? this.#keys(set).get(kid) : undefined;
    if (key === undefined) {
      if (typeof kid === 'string') this.#options.onUnknownKey?.();
      return notVerified('unknown-key');
    }
    if (!signatureValid(jws, header['alg'], key)) return notVerified('bad-signature');

    if (claims['iss'] !== set.issuer) return notVerified('wrong-issuer');
    const aud = claims['aud'];
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) return notVerified('wrong-audience');
    const nowSeconds = (this.#options.now ?? Date.now)() / 1000;
    const { exp, nbf, iat } = claims;
    if (typeof exp !== 'number' || !(exp > nowSeconds)) return notVerified('expired');
    for (const notBefore of [nbf, iat]) {
      if (notBefore === undefined) continue;
      if (typeof notBefore !== 'number' || notBefore > nowSeconds + CLOCK_SKEW_SECONDS) return notVerified('not-yet-valid');
    }

    // Bound (projected) tokens carry `kubernetes.io`; legacy Secret tokens do not (and have another issuer).
    const bound = claims['kubernetes.io'];
    if (typeof bound !== 'object' || bound === null) return notVerified('not-a-bound-token');
    const { namespace, serviceaccount, pod, secret, node } = bound as Record<string, unknown>;
    const serviceAccount = refOf(serviceaccount);
    if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace) || serviceAccount === undefined || !DNS_SUBDOMAIN.test(serviceAccount.name)) {
      return notVerified('not-a-bound-token');
    }
    if (claims['sub'] !== `system:serviceaccount:${namespace}:${serviceAccount.name}`) return notVerified('not-a-bound-token');
    // A Secret binding, or a Node binding without a pod, is left to the API server.
    if (secret !== undefined || (node !== undefined && pod === undefined)) return notVerified('unsupported-binding');
    const podRef = pod === undefined ? undefined : refOf(pod);
    if (pod !== undefined && (podRef === undefined || !DNS_SUBDOMAIN.test(podRef.name))) return notVerified('unsupported-binding');

    const account = subjects.serviceAccount(namespace, serviceAccount.name);
    if (account === undefined || account.uid !== serviceAccount.uid || account.deleting) return notVerified('service-account-mismatch');
    if (podRef !== undefined) {
      const boundPod = subjects.pod(namespace, podRef.name);
      if (boundPod === undefined || boundPod.uid !== podRef.uid || boundPod.deleting) return notVerified('pod-mismatch');
      return { verified: true, account: { namespace, serviceAccount: serviceAccount.name, podName: podRef.name } };
    }
    return { verified: true, account: { namespace, serviceAccount: serviceAccount.name } };
  }

  /** The set's keys imported once per fetched set. */
  #keys(set: IssuerKeys): ReadonlyMap<string, VerificationKey> {
    if (this.#keysOf?.set !== set) this.#keysOf = { set, keys: verificationKeys(set.keys) };
    return this.#keysOf.keys;
  }
}
