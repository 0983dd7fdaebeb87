import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateDenial, createCertificateMetrics, createCsr, generateKeyPair, RateLimiter, TokenAuthenticator, TokenReviewCache } from '@weft/pki';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import type { Registry } from '@weft/telemetry';
import { BridgeIssuer } from './bridge-issuer.js';
import { CopyingCa } from './testing/copying-ca.js';
import { answerOf, TrustBundleFile } from './trust-material.js';
import type { MeshNameGrants } from './workload-mesh-names.js';

// The bridge's decision without the network: TokenReview is scripted ("token-<ns>-<sa>" is that ServiceAccount's
// token, "token-<ns>-<sa>@<pod>" the same bound to a pod), the mesh names are a table, the signer is an openssl CA that certifies CSRs as they are, as cert-manager's CA issuer does. The e2e
// scenario runs the same against the real API server and the real cert-manager.
const TD = 'cluster.local';
const idOf = (sa: string, ns = 'shop'): string => `spiffe://${TD}/ns/${ns}/sa/${sa}`;
const log = createLogger({ component: 'test', level: 'silent' });

let ca: CopyingCa;
let registry: Registry;
let metrics: ReturnType<typeof createCertificateMetrics>;

function issuer(options: { configuredRoots?: () => readonly string[]; meshNames?: MeshNameGrants } = {}): BridgeIssuer {
  return new BridgeIssuer({
    trustDomain: TD,
    authenticator: new TokenAuthenticator({
      audience: 'weft',
      cache: new TokenReviewCache(),
      review: (token) => {
        const m = /^token-([a-z0-9-]+)-([a-z0-9-]+)(?:@([a-z0-9-]+))?$/.exec(token);
        if (m === null) return Promise.resolve({ authenticated: false, audiences: [], error: 'invalid bearer token' });
        const extra = m[3] === undefined ? {} : { extra: { 'authentication.kubernetes.io/pod-name': [m[3]] } };
        return Promise.resolve({ authenticated: true, username: `system:serviceaccount:${m[1]}:${m[2]}`, audiences: ['weft'], ...extra });
      },
    }),
    limiter: new RateLimiter({ perSecond: 0, burst: 1 }),
    bounds: { maxLifetimeMs: 24 * 3600_000, defaultLifetimeMs: 12 * 3600_000 },
    signer: ca,
    metrics,
    log,
    ...options,
  });
}

async function csrFor(sa: string, options: { ns?: string; dnsNames?: string[] } = {}): Promise<string> {
  return createCsr({ keys: await generateKeyPair(), spiffeId: { trustDomain: TD, namespace: options.ns ?? 'shop', serviceAccount: sa }, ...(options.dnsNames === undefined ? {} : { dnsNames: options.dnsNames }) });
}

async function refusal(promise: Promise<unknown>): Promise<CertificateDenial> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CertificateDenial)) throw new Error(`expected a CertificateDenial, got ${String(err)}`);
  return err;
}

async function denials(reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('weft_certificate_denials_total')?.get();
  return metric?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
}

beforeAll(async () => {
  ca = await CopyingCa.create();
  registry = createMetricsRegistry({ component: 'test' });
  metrics = createCertificateMetrics(registry, { caNotAfter: () => undefined, servingNotAfter: () => undefined });
});

afterAll(async () => {
  await ca.remove();
});

describe('BridgeIssuer', () => {
  it('returns the leaf and intermediate as the chain and the issuer’s CA as the bundle, for the asked lifetime', async () => {
    ca.mode = 'issue';
    const answer = await issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart'), validity_duration: 7200 }, peer: 'ipv4:127.0.0.1:1' });
    expect(answer.cert_chain).toHaveLength(2);
    expect(answer.cert_chain[1]).toBe(ca.intermediatePem);
    expect(answer.trust_bundle).toEqual([ca.rootPem]);
    const leaf = new X509Certificate(answer.cert_chain[0]!);
    expect(leaf.subjectAltName).toBe(`URI:${idOf('cart')}`);
    expect(leaf.verify(new X509Certificate(ca.intermediatePem).publicKey)).toBe(true);
    expect(ca.requests.at(-1)).toMatchObject({ durationSeconds: 7200, spiffeId: idOf('cart') });
    // 0 asks for the default lifetime.
    await issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart'), validity_duration: 0 }, peer: 'p' });
    expect(ca.requests.at(-1)?.durationSeconds).toBe(12 * 3600);
  });

  it('leaves a root cert-manager appended out of the chain', async () => {
    ca.mode = 'root-in-chain';
    const answer = await issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart') }, peer: 'p' });
    expect(answer.cert_chain).toHaveLength(2);
    expect(answer.cert_chain).not.toContain(ca.rootPem);
  });

  it('refuses another identity’s CSR, names not granted and a bad token before anything is signed', async () => {
    ca.mode = 'issue';
    const asked = ca.requests.length;
    const other = await refusal(issuer().createCertificate({ token: 'token-shop-web', request: { csr: await csrFor('cart') }, peer: 'p' }));
    expect(other).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'identity-mismatch' });
    expect(other.message).toContain(`CSR asks for ${idOf('cart')} but the caller is authorised for ${idOf('web')}`);
    expect(await refusal(issuer().createCertificate({ token: 'token-other-cart', request: { csr: await csrFor('cart') }, peer: 'p' }))).toMatchObject({ reason: 'identity-mismatch' });
    expect(await refusal(issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart', { dnsNames: ['kubernetes.default.svc'] }) }, peer: 'p' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: 'names-not-granted',
    });
    expect(await refusal(issuer().createCertificate({ token: 'forged', request: { csr: await csrFor('cart') }, peer: 'p' }))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusal(issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart'), validity_duration: 48 * 3600 }, peer: 'p' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(ca.requests.length).toBe(asked);
  });

  it('signs the mesh names granted to the token’s pod, reading the API server again only for a CSR the caches refuse', async () => {
    ca.mode = 'issue';
    const cachedNames: Record<string, string[]> = { 'shop/reviews-1': ['9080.reviews.shop.svc.cluster.local'] };
    const freshNames: Record<string, string[]> = { 'shop/reviews-1': ['9080.reviews.shop.svc.cluster.local', '9901.reviews-admin.shop.svc.cluster.local'] };
    const freshReads: string[] = [];
    const meshNames: MeshNameGrants = {
      cached: (account) => cachedNames[`${account.namespace}/${account.podName ?? ''}`] ?? [],
      fresh: (account) => {
        freshReads.push(`${account.namespace}/${account.podName ?? ''}`);
        if (account.podName === 'broken') return Promise.reject(new Error('connect ECONNREFUSED'));
        return Promise.resolve(freshNames[`${account.namespace}/${account.podName ?? ''}`] ?? []);
      },
    };
    const bridge = issuer({ meshNames });
    const one = await bridge.createCertificate({ token: 'token-shop-reviews@reviews-1', request: { csr: await csrFor('reviews', { dnsNames: ['9080.reviews.shop.svc.cluster.local'] }) }, peer: 'p' });
    expect(new X509Certificate(one.cert_chain[0]!).subjectAltName?.split(', ').sort()).toEqual(['DNS:9080.reviews.shop.svc.cluster.local', `URI:${idOf('reviews')}`]);
    expect(freshReads).toEqual([]);
    // A Service the watch has not seen yet: granted after one read of the pod and its Services.
    const both = ['9080.reviews.shop.svc.cluster.local', '9901.reviews-admin.shop.svc.cluster.local'];
    const two = await bridge.createCertificate({ token: 'token-shop-reviews@reviews-1', request: { csr: await csrFor('reviews', { dnsNames: both }) }, peer: 'p' });
    expect(new X509Certificate(two.cert_chain[0]!).subjectAltName).toContain('DNS:9901.reviews-admin.shop.svc.cluster.local');
    expect(freshReads).toEqual(['shop/reviews-1']);

    const asked = ca.requests.length;
    const other = await refusal(bridge.createCertificate({ token: 'token-shop-reviews@reviews-1', request: { csr: await csrFor('reviews', { dnsNames: ['9080.ratings.shop.svc.cluster.local', both[0]!] }) }, peer: 'p' }));
    expect(other).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'names-not-granted', message: expect.stringMatching(/does not grant: 9080\.ratings\.shop\.svc\.cluster\.local$/) as string });
    // A token bound to no pod gets no names, and costs no read.
    const unbound = await refusal(bridge.createCertificate({ token: 'token-shop-reviews', request: { csr: await csrFor('reviews', { dnsNames: [both[0]!] }) }, peer: 'p' }));
    expect(unbound).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'names-not-granted' });
    expect(freshReads).toEqual(['shop/reviews-1', 'shop/reviews-1']);
    // The API server unreachable: UNAVAILABLE, the agent retries.
    expect(await refusal(bridge.createCertificate({ token: 'token-shop-reviews@broken', request: { csr: await csrFor('reviews', { dnsNames: [both[0]!] }) }, peer: 'p' }))).toMatchObject({
      code: 'UNAVAILABLE',
      reason: 'api-unavailable',
      message: expect.stringContaining('cannot read pod shop/broken') as string,
    });
    expect(ca.requests.length).toBe(asked);
  });

  it('maps a denial to PERMISSION_DENIED and a failure, a timeout or an unreachable API to UNAVAILABLE, with the reason', async () => {
    const cases = [
      ['deny', 'PERMISSION_DENIED', 'signer-denied', /denied CertificateRequest weft-svid-test\d+: policy.cert-manager.io: no policy matched/],
      ['fail', 'UNAVAILABLE', 'signer-failed', /failed CertificateRequest .*: Failed: the issuer broke/],
      ['timeout', 'UNAVAILABLE', 'signer-timeout', /did not finish CertificateRequest/],
      ['unavailable', 'UNAVAILABLE', 'api-unavailable', /cannot reach the API server/],
    ] as const;
    for (const [mode, code, reason, message] of cases) {
      ca.mode = mode;
      const before = await denials(reason);
      const denial = await refusal(issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart') }, peer: 'p' }));
      expect(denial, mode).toMatchObject({ code, reason });
      expect(denial.message, mode).toMatch(message);
      expect(await denials(reason), mode).toBe(before + 1);
    }
  });

  it('uses the configured roots when set, and refuses to answer without any roots', async () => {
    ca.mode = 'issue-without-ca';
    expect(await refusal(issuer().createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart') }, peer: 'p' }))).toMatchObject({
      code: 'UNAVAILABLE',
      reason: 'signer-failed',
      message: expect.stringContaining('no CA') as string,
    });
    const file = join(ca.dir, 'bundle.pem');
    writeFileSync(file, ca.rootPem);
    const bundle = new TrustBundleFile(file);
    const answer = await issuer({ configuredRoots: () => bundle.roots() }).createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart') }, peer: 'p' });
    expect(answer.trust_bundle).toEqual([ca.rootPem]);
    // An unreadable file is a failure of the bridge, reported, not a crash.
    const missing = new TrustBundleFile(join(ca.dir, 'missing.pem'));
    expect(await refusal(issuer({ configuredRoots: () => missing.roots() }).createCertificate({ token: 'token-shop-cart', request: { csr: await csrFor('cart') }, peer: 'p' }))).toMatchObject({
      reason: 'signer-failed',
      message: expect.stringContaining('cannot read the configured trust bundle') as string,
    });
  });
});

describe('answerOf', () => {
  it('refuses a certificate for another identity than asked, or one that does not chain to the roots', async () => {
    ca.mode = 'issue';
    const signed = await ca.sign({ csrPem: await csrFor('web'), durationSeconds: 3600, spiffeId: idOf('web') });
    expect(answerOf(signed, idOf('web')).certChain).toHaveLength(2);
    expect(() => answerOf(signed, idOf('cart'))).toThrow(/names URI:spiffe:\/\/cluster.local\/ns\/shop\/sa\/web instead of spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart/);
    const stranger = await CopyingCa.create();
    try {
      expect(() => answerOf(signed, idOf('web'), [stranger.rootPem])).toThrow(/does not chain to the trust bundle/);
    } finally {
      await stranger.remove();
    }
  });
});
