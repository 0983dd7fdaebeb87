import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, createCertificateMetrics, createCsr, createSelfSignedRoot, generateKeyPair, listenGrpc, RateLimiter, ServingCertificateProvider, TokenAuthenticator, TokenReviewCache } from '@weft/pki';
import type { CertificateAuthority, ListeningServer } from '@weft/pki';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { weftCaServiceDefinition } from '@weft/pki';
import type { WeftCertificateResponse } from '@weft/pki';
import { CertificateIssuer } from './certificate-issuer.js';

// The service over real gRPC/TLS on loopback, with a real CA. TokenReview is a scripted function here ("token-<ns>-<sa>"
// is that ServiceAccount's token); the e2e scenario runs the same against the real kube-apiserver.
const SERVER_NAME = 'weft-control-plane.weft-system.svc';
const log = createLogger({ component: 'test', level: 'silent' });

let ca: CertificateAuthority;
let serving: ServingCertificateProvider;
let server: ListeningServer;
let client: grpc.Client;
const reviews: string[] = [];

type Call = (request: unknown, metadata: grpc.Metadata, callback: (err: grpc.ServiceError | null, res?: WeftCertificateResponse) => void) => void;

function ask(token: string, request: { csr: string; validity_duration?: number }): Promise<WeftCertificateResponse> {
  const metadata = new grpc.Metadata();
  if (token !== '') metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    (client as unknown as { CreateCertificate: Call }).CreateCertificate(request, metadata, (err, res) => {
      if (err === null && res !== undefined) resolve(res);
      else reject(err ?? new Error('no answer'));
    });
  });
}

async function code(promise: Promise<unknown>): Promise<[string, string]> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as grpc.ServiceError | undefined;
  if (err === undefined) throw new Error('the call succeeded');
  return [grpc.status[err.code], err.details];
}

async function csrFor(namespace: string, serviceAccount: string): Promise<string> {
  return createCsr({ keys: await generateKeyPair(), spiffeId: { trustDomain: 'test.local', namespace, serviceAccount } });
}

function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: SERVER_NAME, ALPNProtocols: ['h2'], ca: ca.trustBundle.toPem() }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  // SVIDs of 4 s, so the serving certificate renews within the test.
  ca = await createSelfSignedRoot({ trustDomain: 'test.local', policy: { defaultLifetimeMs: 4_000, maxLifetimeMs: 3_600_000, clockSkewMs: 0 } });
  const metrics = createCertificateMetrics(createMetricsRegistry({ component: 'test' }), { caNotAfter: () => ca.notAfter, servingNotAfter: () => serving.current.notAfter });
  const issuer = new CertificateIssuer({
    ca: () => ca,
    authenticator: new TokenAuthenticator({
      audience: 'weft',
      cache: new TokenReviewCache(),
      review: (token) => {
        reviews.push(token);
        const m = /^token-([a-z0-9-]+)-([a-z0-9-]+)$/.exec(token);
        return Promise.resolve(m === null ? { authenticated: false, audiences: [], error: 'invalid bearer token' } : { authenticated: true, username: `system:serviceaccount:${m[1]}:${m[2]}`, audiences: ['weft'] });
      },
    }),
    limiter: new RateLimiter({ perSecond: 0.001, burst: 3 }),
    bounds: { maxLifetimeMs: 3_600_000 },
    metrics,
    log,
  });
  serving = await ServingCertificateProvider.start({ ca: () => ca, identity: { namespace: 'weft-system', serviceAccount: 'weft-control-plane' }, dnsNames: [SERVER_NAME], log, retryMs: 200 });
  server = await listenGrpc({ host: '127.0.0.1', port: 0, issuer, identity: serving });
  const Client = grpc.makeGenericClientConstructor(weftCaServiceDefinition(), 'WeftCertificateService');
  client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createSsl(Buffer.from(ca.trustBundle.toPem())), { 'grpc.ssl_target_name_override': SERVER_NAME });
});

afterAll(async () => {
  client.close();
  serving.stop();
  await server.close();
});

describe('certificate service over gRPC/TLS', () => {
  it('grpc - reads the bearer token from the authorization metadata only', () => {
    const md = new grpc.Metadata();
    expect(bearerToken(md)).toBe('');
    md.set('authorization', 'Basic abc');
    expect(bearerToken(md)).toBe('');
    md.set('authorization', 'bearer  abc.def ');
    expect(bearerToken(md)).toBe('abc.def');
  });

  it('grpc - issues an SVID for the token’s own identity: chain leaf first, the bundle’s root', async () => {
    const res = await ask('token-shop-cart', { csr: await csrFor('shop', 'cart'), validity_duration: 600 });
    expect(res.cert_chain).toHaveLength(1);
    const leaf = new X509Certificate(res.cert_chain[0]!);
    expect(leaf.subjectAltName).toBe('URI:spiffe://test.local/ns/shop/sa/cart');
    expect(leaf.verify(new X509Certificate(res.trust_bundle[0]!).publicKey)).toBe(true);
    expect(res.trust_bundle).toEqual(ca.trustBundle.roots.map((r) => r.pem));
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeGreaterThan(590_000);
  });

  it('grpc - refuses with the right status code and a clear message', async () => {
    expect(await code(ask('', { csr: await csrFor('shop', 'cart') }))).toEqual(['UNAUTHENTICATED', expect.stringMatching(/no ServiceAccount token/)]);
    expect(await code(ask('forged', { csr: await csrFor('shop', 'cart') }))).toEqual(['UNAUTHENTICATED', expect.stringMatching(/invalid bearer token/)]);
    expect(await code(ask('token-shop-web', { csr: await csrFor('shop', 'cart') }))).toEqual(['PERMISSION_DENIED', expect.stringMatching(/spiffe:\/\/test.local\/ns\/shop\/sa\/cart.*authorised for spiffe:\/\/test.local\/ns\/shop\/sa\/web/)]);
    expect(await code(ask('token-shop-db', { csr: 'garbage' }))).toEqual(['INVALID_ARGUMENT', expect.stringMatching(/invalid CSR/)]);
    expect(await code(ask('token-shop-db2', { csr: await csrFor('shop', 'db2'), validity_duration: 7_200 }))).toEqual(['INVALID_ARGUMENT', expect.stringMatching(/out of bounds/)]);
  });

  it('grpc - the per-identity rate limit answers RESOURCE_EXHAUSTED, other identities unaffected', async () => {
    const csr = await csrFor('limits', 'hot');
    for (let i = 0; i < 3; i++) await ask('token-limits-hot', { csr });
    expect(await code(ask('token-limits-hot', { csr }))).toEqual(['RESOURCE_EXHAUSTED', expect.stringMatching(/too many certificate requests for limits\/hot/)]);
    await expect(ask('token-limits-cold', { csr: await csrFor('limits', 'cold') })).resolves.toBeDefined();
  });

  it('grpc - a request above the message cap is refused by gRPC before the handler', async () => {
    expect((await code(ask('token-shop-big', { csr: 'A'.repeat(300 * 1024) })))[0]).toBe('RESOURCE_EXHAUSTED');
  });

  it('grpc - the serving certificate is renewed in place and new connections get the new one', async () => {
    const first = await servedSerial(server.port);
    expect(first).toBe(serving.current.serialNumber);
    const renewed = await (async () => {
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline) {
        const serial = await servedSerial(server.port);
        if (serial !== first) return serial;
        await new Promise((r) => setTimeout(r, 100));
      }
      return first;
    })();
    expect(renewed).not.toBe(first);
    expect(renewed).toBe(serving.current.serialNumber);
    // The gRPC client keeps working across the renewal.
    await expect(ask('token-shop-after', { csr: await csrFor('shop', 'after') })).resolves.toBeDefined();
  });
});
