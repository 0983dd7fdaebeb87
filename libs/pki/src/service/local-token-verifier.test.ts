import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateDenial } from './certificate-denial.js';
import { LocalTokenVerifier } from './local-token-verifier.js';
import type { BoundObject, IssuerKeys, TokenSubjects } from './local-token-verifier.js';
import { TokenAuthenticator } from './token-authenticator.js';
import { TokenReviewCache } from './token-cache.js';

// Keys made here stand in for the API server's ServiceAccount signing keys; tokens are built the way the API server
// builds projected tokens. The real API server's tokens and JWKS are checked in e2e/src/scenarios/certificate-service.test.ts.

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NOW = 1_800_000_000_000;
const SA_UID = '5a0b4c1e-0000-4000-8000-000000000001';
const POD_UID = '5a0b4c1e-0000-4000-8000-000000000002';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function jwk(key: KeyObject, kid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), kid, use: 'sig', ...extra };
}

const KEYS: IssuerKeys = { issuer: ISSUER, keys: [jwk(ec.publicKey, 'ec-1', { alg: 'ES256' }), jwk(rsa.publicKey, 'rsa-1', { alg: 'RS256' })] };

interface TokenSpec {
  readonly alg?: 'ES256' | 'RS256';
  readonly kid?: string;
  readonly key?: KeyObject;
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function claimsFor(options: { pod?: { name: string; uid: string } | undefined } = {}): Record<string, unknown> {
  return {
    aud: ['weft'],
    exp: seconds(NOW) + 3600,
    iat: seconds(NOW) - 10,
    nbf: seconds(NOW) - 10,
    iss: ISSUER,
    jti: 'c0ffee',
    sub: 'system:serviceaccount:shop:cart',
    'kubernetes.io': {
      namespace: 'shop',
      serviceaccount: { name: 'cart', uid: SA_UID },
      ...(options.pod === undefined ? {} : { pod: options.pod }),
    },
  };
}

function token(spec: TokenSpec = {}): string {
  const alg = spec.alg ?? 'ES256';
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg, kid: spec.kid ?? (alg === 'ES256' ? 'ec-1' : 'rsa-1'), ...spec.header });
  const body = part(spec.claims ?? claimsFor());
  const key = spec.key ?? (alg === 'ES256' ? ec.privateKey : rsa.privateKey);
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${header}.${body}.${signature.toString('base64url')}`;
}

function subjects(objects: { serviceAccounts?: Record<string, BoundObject>; pods?: Record<string, BoundObject>; synced?: boolean } = {}): TokenSubjects {
  const serviceAccounts = objects.serviceAccounts ?? { 'shop/cart': { uid: SA_UID, deleting: false } };
  const pods = objects.pods ?? { 'shop/cart-1': { uid: POD_UID, deleting: false } };
  return {
    synced: objects.synced ?? true,
    serviceAccount: (ns, name) => serviceAccounts[`${ns}/${name}`],
    pod: (ns, name) => pods[`${ns}/${name}`],
  };
}

function verifier(options: { keys?: IssuerKeys | undefined; subjects?: TokenSubjects; onUnknownKey?: () => void } = {}): LocalTokenVerifier {
  return new LocalTokenVerifier({
    keys: () => ('keys' in options ? options.keys : KEYS),
    subjects: options.subjects ?? subjects(),
    audience: 'weft',
    now: () => NOW,
    ...(options.onUnknownKey === undefined ? {} : { onUnknownKey: options.onUnknownKey }),
  });
}

const reasonOf = (v: LocalTokenVerifier, t: string): string => {
  const verdict = v.verify(t);
  return verdict.verified ? 'verified' : verdict.reason;
};

describe('local token verifier', () => {
  it('local verifier - accepts an ES256 and an RS256 token of an existing ServiceAccount, as TokenReview would name it', () => {
    const v = verifier();
    expect(v.verify(token())).toEqual({ verified: true, account: { namespace: 'shop', serviceAccount: 'cart' } });
    expect(v.verify(token({ alg: 'RS256' }))).toEqual({ verified: true, account: { namespace: 'shop', serviceAccount: 'cart' } });
    expect(v.verify(token({ claims: { ...claimsFor(), aud: 'weft' } })).verified).toBe(true);
  });

  it('local verifier - a pod-bound token names its pod when the pod exists with that uid; otherwise it is left to TokenReview', () => {
    const bound = token({ claims: claimsFor({ pod: { name: 'cart-1', uid: POD_UID } }) });
    expect(verifier().verify(bound)).toEqual({ verified: true, account: { namespace: 'shop', serviceAccount: 'cart', podName: 'cart-1' } });
    // Deleted, recreated under the same name (new uid), or being deleted.
    expect(reasonOf(verifier({ subjects: subjects({ pods: {} }) }), bound)).toBe('pod-mismatch');
    expect(reasonOf(verifier({ subjects: subjects({ pods: { 'shop/cart-1': { uid: 'other', deleting: false } } }) }), bound)).toBe('pod-mismatch');
    expect(reasonOf(verifier({ subjects: subjects({ pods: { 'shop/cart-1': { uid: POD_UID, deleting: true } } }) }), bound)).toBe('pod-mismatch');
  });

  it('local verifier - a ServiceAccount missing, recreated with a new uid, or being deleted is left to TokenReview', () => {
    expect(reasonOf(verifier({ subjects: subjects({ serviceAccounts: {} }) }), token())).toBe('service-account-mismatch');
    expect(reasonOf(verifier({ subjects: subjects({ serviceAccounts: { 'shop/cart': { uid: 'new-uid', deleting: false } } }) }), token())).toBe('service-account-mismatch');
    expect(reasonOf(verifier({ subjects: subjects({ serviceAccounts: { 'shop/cart': { uid: SA_UID, deleting: true } } }) }), token())).toBe('service-account-mismatch');
  });

  it('local verifier - another key, an unknown kid, a tampered claim, a wrong algorithm for the key: not accepted', () => {
    let unknown = 0;
    const v = verifier({ onUnknownKey: () => unknown++ });
    expect(reasonOf(v, token({ key: stranger.privateKey }))).toBe('bad-signature');
    expect(reasonOf(v, token({ kid: 'rotated-2' }))).toBe('unknown-key');
    expect(unknown).toBe(1);
    expect(reasonOf(v, token({ header: { kid: undefined } }))).toBe('unknown-key');
    expect(unknown).toBe(1);
    // RS256 claimed for the EC key (and an HMAC "signed" with it): the key's own type decides.
    expect(reasonOf(v, token({ alg: 'RS256', kid: 'ec-1' }))).toBe('bad-signature');
    expect(reasonOf(v, token({ header: { alg: 'HS256' } }))).toBe('unsupported-algorithm');
    expect(reasonOf(v, token({ header: { alg: 'none' } }))).toBe('unsupported-algorithm');
    expect(reasonOf(v, token({ header: { crit: ['exp'] } }))).toBe('unsupported-algorithm');
    const [h, , s] = token().split('.');
    const forged = Buffer.from(JSON.stringify({ ...claimsFor(), sub: 'system:serviceaccount:shop:admin' })).toString('base64url');
    expect(reasonOf(v, `${h}.${forged}.${s}`)).toBe('bad-signature');
    expect(reasonOf(v, 'not-a-jwt')).toBe('malformed');
    expect(reasonOf(v, 'a.b.c')).toBe('malformed');
  });

  it('local verifier - wrong issuer, wrong audience, expired, not yet valid: not accepted', () => {
    const v = verifier();
    expect(reasonOf(v, token({ claims: { ...claimsFor(), iss: 'https://evil.example' } }))).toBe('wrong-issuer');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), aud: ['not-weft'] } }))).toBe('wrong-audience');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), aud: undefined } }))).toBe('wrong-audience');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), exp: seconds(NOW) - 1 } }))).toBe('expired');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), exp: seconds(NOW) } }))).toBe('expired');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), exp: undefined } }))).toBe('expired');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), nbf: seconds(NOW) + 60 } }))).toBe('not-yet-valid');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), iat: seconds(NOW) + 60 } }))).toBe('not-yet-valid');
    // A little clock skew is allowed (inside the API server's own leeway).
    expect(reasonOf(v, token({ claims: { ...claimsFor(), nbf: seconds(NOW) + 3, iat: seconds(NOW) + 3 } }))).toBe('verified');
  });

  it('local verifier - legacy, Secret-bound and Node-bound tokens, and a sub that disagrees with the claims, go to TokenReview', () => {
    const v = verifier();
    const legacy = { iss: ISSUER, sub: 'system:serviceaccount:shop:cart', aud: ['weft'], exp: seconds(NOW) + 60, 'kubernetes.io/serviceaccount/namespace': 'shop' };
    expect(reasonOf(v, token({ claims: legacy }))).toBe('not-a-bound-token');
    const withBinding = (binding: Record<string, unknown>): Record<string, unknown> => ({ ...claimsFor(), 'kubernetes.io': { ...(claimsFor()['kubernetes.io'] as object), ...binding } });
    expect(reasonOf(v, token({ claims: withBinding({ secret: { name: 's', uid: 'u' } }) }))).toBe('unsupported-binding');
    expect(reasonOf(v, token({ claims: withBinding({ node: { name: 'n', uid: 'u' } }) }))).toBe('unsupported-binding');
    expect(reasonOf(v, token({ claims: withBinding({ pod: { name: 'cart-1' } }) }))).toBe('unsupported-binding');
    // A pod binding with the node it runs on (newer API servers add it): the pod decides, as in TokenReview.
    expect(reasonOf(v, token({ claims: withBinding({ pod: { name: 'cart-1', uid: POD_UID }, node: { name: 'n', uid: 'u' } }) }))).toBe('verified');
    expect(reasonOf(v, token({ claims: { ...claimsFor(), sub: 'system:serviceaccount:shop:admin' } }))).toBe('not-a-bound-token');
    expect(reasonOf(v, token({ claims: withBinding({ namespace: 'Shop' }) }))).toBe('not-a-bound-token');
  });

  it('local verifier - before the keys are fetched or the objects listed, nothing is accepted', () => {
    expect(reasonOf(verifier({ keys: undefined }), token())).toBe('no-keys');
    expect(reasonOf(verifier({ subjects: subjects({ synced: false }) }), token())).toBe('not-synced');
    // Keys without a kid, for encryption, or naming another algorithm are not used.
    const odd: IssuerKeys = { issuer: ISSUER, keys: [jwk(ec.publicKey, 'ec-1', { use: 'enc' }), jwk(rsa.publicKey, 'rsa-1', { alg: 'PS256' })] };
    expect(reasonOf(verifier({ keys: odd }), token())).toBe('unknown-key');
    expect(reasonOf(verifier({ keys: odd }), token({ alg: 'RS256' }))).toBe('unknown-key');
  });
});

describe('token authenticator with local verification', () => {
  function setup(verify: LocalTokenVerifier['verify'], answer: 'accept' | 'deny' = 'deny') {
    const reviewed: string[] = [];
    const lookups: string[] = [];
    const auth = new TokenAuthenticator({
      audience: 'weft',
      cache: new TokenReviewCache({ ttlMs: 60_000 }),
      verifier: { verify },
      onLookup: (how) => lookups.push(how),
      review: (t) => {
        reviewed.push(t);
        return Promise.resolve(
          answer === 'accept'
            ? { authenticated: true, username: 'system:serviceaccount:shop:cart', audiences: ['weft'] }
            : { authenticated: false, audiences: [], error: 'service account shop/cart has been deleted' },
        );
      },
    });
    return { auth, reviewed, lookups };
  }

  it('authenticator - a locally verified token sends no TokenReview and is cached like a reviewed one', async () => {
    const v = verifier();
    const { auth, reviewed, lookups } = setup((t) => v.verify(t));
    const t = token();
    expect(await auth.authenticate(t)).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(await auth.authenticate(t)).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(reviewed).toEqual([]);
    expect(lookups).toEqual(['verified', 'cached']);
  });

  it('authenticator - a token the verifier does not accept goes to TokenReview, which alone refuses it', async () => {
    const v = verifier({ subjects: subjects({ serviceAccounts: { 'shop/cart': { uid: 'recreated', deleting: false } } }) });
    const { auth, reviewed, lookups } = setup((t) => v.verify(t));
    const t = token();
    const err = await auth.authenticate(t).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CertificateDenial);
    expect((err as CertificateDenial).message).toMatch(/rejected by the API server: service account shop\/cart has been deleted/);
    expect(reviewed).toEqual([t]);
    expect(lookups).toEqual(['reviewed']);
  });

  it('authenticator - a verifier that throws is treated as "not accepted", never as a refusal', async () => {
    const { auth, reviewed, lookups } = setup(() => {
      throw new Error('boom');
    }, 'accept');
    expect(await auth.authenticate('t')).toEqual({ namespace: 'shop', serviceAccount: 'cart' });
    expect(reviewed).toEqual(['t']);
    expect(lookups).toEqual(['reviewed']);
  });
});
