import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import { createSecretIfAbsent, KubeHttp, readSecret, SecretAccessError, ServiceAccountIssuerKeys, TokenReviewer, TokenReviewForbiddenError } from '@weft/k8s';
import { createCsr, generateKeyPair } from '@weft/pki';
import { createLogger } from '@weft/telemetry';
import { SERVICE_ACCOUNT_ISSUER, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';
import { metric, startAgent } from './agent-process.js';
import { CA_SERVER_NAME, CaTestClient, forgedToken, OpensslDir, requestToken, signedToken } from './certificate-client.js';

// The certificate service of the real control plane (a child process, --source=kubernetes) against the real
// kube-apiserver: TokenReview, the CA Secret, gRPC over TLS; checked with openssl and a real agent process.

const NS = 'shop';
const TD = 'cluster.local';
const idOf = (sa: string, ns = NS, td = TD): string => `spiffe://${td}/ns/${ns}/sa/${sa}`;

let cluster: Cluster;
let nats: NatsServer;
let cp: WeftProcess;
let caPort: number;
let health: string;
let rootsPem: string;
let client: CaTestClient;
let ssl: OpensslDir;
const scratch = mkdtempSync(join(tmpdir(), 'weft-e2e-ca-files-'));

function startControlPlane(name: string, cluster_: string, extra: readonly string[]): WeftProcess {
  return startWeftProcess({
    name,
    entry: 'apps/control-plane/src/cli.ts',
    args: [
      '--kubeconfig', cluster.kubeconfigPath, '--nats-url', nats.url, '--cluster-id', cluster_,
      '--health-port', '0', '--health-host', '127.0.0.1', '--ca-listen', '127.0.0.1:0', ...extra,
    ],
    env: { POD_NAMESPACE: 'weft-system', WEFT_LOG_LEVEL: 'info' },
  });
}

async function listening(process_: WeftProcess): Promise<Record<string, unknown>> {
  return process_.waitForLine('the certificate service listening', (l) => l['msg'] === 'certificate service listening', 60_000);
}

async function serviceAccount(name: string, ns = NS): Promise<void> {
  await cluster.kubectl(['create', 'serviceaccount', name, '-n', ns]);
}

async function p256Csr(sa: string, options: { ns?: string; td?: string; dnsNames?: string[] } = {}): Promise<string> {
  return createCsr({
    keys: await generateKeyPair(),
    spiffeId: { trustDomain: options.td ?? TD, namespace: options.ns ?? NS, serviceAccount: sa },
    ...(options.dnsNames === undefined ? {} : { dnsNames: options.dnsNames }),
  });
}

const issuedCount = (): Promise<number> => metric(health, 'weft_certificates_issued_total');
const deniedLines = (reason: string) => cp.lines.filter((l) => l['audit'] === 'denied' && l['reason'] === reason);

beforeAll(async () => {
  [cluster, nats, ssl] = await Promise.all([startCluster(), startNats(), OpensslDir.create()]);
  for (const ns of ['weft-system', NS, 'other']) await cluster.kubectl(['create', 'namespace', ns]);
  cp = startControlPlane('control-plane', 'e2e-ca-a', ['--ca-burst', '4', '--ca-rate', '0.5']);
  const line = await listening(cp);
  caPort = line['port'] as number;
  health = (await cp.waitForLine('the health server', (l) => l['msg'] === 'listening' && typeof l['health'] === 'string'))['health'] as string;
  // What an agent is given to trust (in a cluster: mounted from the bundle); here read from the CA Secret.
  const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca', '-n', 'weft-system', '-o', 'json'])) as { data: Record<string, string> };
  rootsPem = Buffer.from(secret.data['root-cert.pem'] ?? '', 'base64').toString('utf8');
  client = new CaTestClient(caPort, rootsPem);
  await ssl.write('roots.pem', rootsPem);
}, 180_000);

afterAll(async () => {
  client.close();
  await cp.stop();
  await Promise.all([cluster.stop(), nats.stop(), ssl.remove()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('certificate service', () => {
  it('certificate service - an agent-style client gets an SVID that openssl verify accepts, with its own URI SAN', async () => {
    await serviceAccount('cart');
    const before = await issuedCount();
    const answer = await client.ask(await requestToken(cluster, NS, 'cart'), await p256Csr('cart'), 3600);
    expect(answer.cert_chain).toHaveLength(1);
    expect(answer.trust_bundle).toHaveLength(1);
    expect(answer.trust_bundle[0]).toBe(rootsPem);
    await ssl.write('cart.pem', answer.cert_chain.join(''));
    await ssl.write('bundle.pem', answer.trust_bundle.join(''));
    expect((await ssl.ok(['verify', '-CAfile', 'bundle.pem', 'cart.pem'])).trim()).toBe('cart.pem: OK');
    const text = await ssl.ok(['x509', '-in', 'cart.pem', '-noout', '-ext', 'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints']);
    expect(text).toContain(`URI:${idOf('cart')}`);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toContain('CA:FALSE');
    const leaf = new X509Certificate(answer.cert_chain[0]!);
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);

    const audit = await cp.waitForLine('the issuance audit line', (l) => l['audit'] === 'issued' && l['identity'] === idOf('cart'));
    expect(audit).toMatchObject({ component: 'control-plane', serial: leaf.serialNumber, notAfter: new Date(leaf.validTo).toISOString() });
    expect(audit['peer']).toMatch(/127\.0\.0\.1/);
    expect(await issuedCount()).toBe(before + 1);
    expect(cp.lines.filter((l) => l['part'] === 'certificates' && typeof l['level'] === 'number' && l['level'] >= 50)).toEqual([]);
  });

  it('certificate service - serves its own SVID for its Service name, verified by openssl s_client against the bundle', async () => {
    const out = await ssl.ok(
      ['s_client', '-connect', `127.0.0.1:${caPort}`, '-servername', CA_SERVER_NAME, '-alpn', 'h2', '-CAfile', 'roots.pem', '-verify_return_error', '-verify_hostname', CA_SERVER_NAME, '-showcerts'],
      '',
    );
    expect(out).toContain('Verify return code: 0 (ok)');
    await ssl.write('served.pem', /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(out)?.[0] ?? '');
    const sans = await ssl.ok(['x509', '-in', 'served.pem', '-noout', '-ext', 'subjectAltName']);
    expect(sans).toContain('URI:spiffe://cluster.local/ns/weft-system/sa/weft-control-plane');
    expect(sans).toContain(`DNS:${CA_SERVER_NAME}`);
    expect(sans).toContain(`DNS:${CA_SERVER_NAME}.cluster.local`);
    // Another name is refused by the hostname check.
    const wrong = await ssl.run(['s_client', '-connect', `127.0.0.1:${caPort}`, '-servername', 'evil.example', '-alpn', 'h2', '-CAfile', 'roots.pem', '-verify_return_error', '-verify_hostname', 'evil.example'], '');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/hostname mismatch/);
  });

  it('certificate service - a pod-bound token gets the mesh names of the Services selecting its pod, nothing else (docs/mesh-mtls.md)', async () => {
    await serviceAccount('reviews');
    const manifest = (objects: unknown[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
    const service = (name: string, selector: Record<string, string>, ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector, ports } });
    await cluster.kubectl(['apply', '-f', '-'], manifest([
      // Service port 80 → the container port named http (9080): the mesh name carries the container port.
      service('reviews', { app: 'reviews' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
      service('reviews-admin', { app: 'reviews', tier: 'admin' }, [{ name: 'http-admin', port: 9901, targetPort: 9901 }]),
      service('ratings', { app: 'ratings' }, [{ name: 'http', port: 9080, targetPort: 9080 }]),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reviews-v1', namespace: NS, labels: { app: 'reviews', tier: 'admin' } },
        spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'registry.invalid/reviews:1', ports: [{ name: 'http', containerPort: 9080 }, { containerPort: 9901 }] }] },
      },
    ]));
    const bound = (): Promise<string> => cluster.kubectl(['create', 'token', 'reviews', '-n', NS, '--audience=weft', '--duration=1h', '--bound-object-kind=Pod', '--bound-object-name=reviews-v1']).then((t) => t.trim());
    const meshNames = [`9080.reviews.${NS}.svc.cluster.local`, `9901.reviews-admin.${NS}.svc.cluster.local`];
    // Once the control plane's world holds the pod (it is placed in a scope), the CA grants from that world. The
    // identity's burst is 4 (--ca-burst): this test asks exactly four times.
    await waitFor('the pod in the control plane’s world', async () => {
      const debug = (await (await fetch(`${health}/debug/mesh`)).json()) as { mesh?: { workloads?: Record<string, string> } };
      return debug.mesh?.workloads?.[`${NS}/reviews-v1`] !== undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const answer = await client.ask(await bound(), await p256Csr('reviews'), 3600);
    const leaf = new X509Certificate(answer.cert_chain[0] ?? '');
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual([...meshNames.map((n) => `DNS:${n}`), `URI:${idOf('reviews')}`].sort());
    // The CSR may ask for those names, never for a Service that does not select the pod.
    expect((await client.ask(await bound(), await p256Csr('reviews', { dnsNames: [meshNames[0] ?? ''] }), 3600)).cert_chain).toHaveLength(1);
    expect(await client.refusal(await bound(), await p256Csr('reviews', { dnsNames: [`9080.ratings.${NS}.svc.cluster.local`] }))).toEqual({
      code: 'PERMISSION_DENIED',
      details: expect.stringMatching(/DNS names the CA does not grant: 9080\.ratings/) as string,
    });
    // The same ServiceAccount without a pod binding gets no mesh name at all.
    const unbound = new X509Certificate((await client.ask(await requestToken(cluster, NS, 'reviews'), await p256Csr('reviews'), 3600)).cert_chain[0] ?? '');
    expect(unbound.subjectAltName).toBe(`URI:${idOf('reviews')}`);
  });

  it('certificate service - real projected tokens are verified locally against the API server’s JWKS; TokenReview decides the rest', async () => {
    const checks = async (): Promise<{ verified: number; reviewed: number }> => ({
      verified: await metric(health, 'weft_certificate_token_reviews_total', { result: 'verified' }),
      reviewed: await metric(health, 'weft_certificate_token_reviews_total', { result: 'reviewed' }),
    });
    // The index follows a watch: once a token of a probe ServiceAccount created after the other changes verifies
    // locally, the index has seen every change made before it (a watch delivers in order) and the issuer keys have
    // been fetched. A new probe each try, so that no identity reaches its rate limit.
    let probes = 0;
    const indexCaughtUp = (): Promise<boolean> =>
      waitFor('a probe ServiceAccount’s token verified locally', async () => {
        const probe = `jwks-probe-${probes++}`;
        await serviceAccount(probe);
        const before = (await checks()).verified;
        await client.ask(await requestToken(cluster, NS, probe), await p256Csr(probe));
        return (await checks()).verified > before;
      }, { timeoutMs: 20_000, intervalMs: 100 });
    await serviceAccount('jwks');
    await serviceAccount('podded');
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'podded-1', namespace: NS },
      spec: { serviceAccountName: 'podded', containers: [{ name: 'app', image: 'registry.invalid/podded:1' }] },
    }));
    const podBound = async (): Promise<string> =>
      (await cluster.kubectl(['create', 'token', 'podded', '-n', NS, '--audience=weft', '--duration=1h', '--bound-object-kind=Pod', '--bound-object-name=podded-1'])).trim();
    await indexCaughtUp();

    // A real token: an SVID, and no TokenReview sent.
    let before = await checks();
    const answer = await client.ask(await requestToken(cluster, NS, 'jwks'), await p256Csr('jwks'), 3600);
    expect(new X509Certificate(answer.cert_chain[0] ?? '').subjectAltName).toBe(`URI:${idOf('jwks')}`);
    expect(await checks()).toEqual({ verified: before.verified + 1, reviewed: before.reviewed });
    // A pod-bound one too, while its pod exists.
    before = await checks();
    expect((await client.ask(await podBound(), await p256Csr('podded'), 3600)).cert_chain).toHaveLength(1);
    expect(await checks()).toEqual({ verified: before.verified + 1, reviewed: before.reviewed });

    // Tokens made now, presented after their ServiceAccount was deleted and recreated (a new uid), or after their pod was
    // deleted: not accepted locally, refused by TokenReview.
    const oldAccountToken = await requestToken(cluster, NS, 'jwks');
    const deletedPodToken = await podBound();
    await cluster.kubectl(['delete', 'serviceaccount', 'jwks', '-n', NS, '--wait']);
    await serviceAccount('jwks');
    await cluster.kubectl(['delete', 'pod', 'podded-1', '-n', NS, '--wait']);
    await indexCaughtUp();
    before = await checks();
    expect(await client.refusal(oldAccountToken, await p256Csr('jwks'))).toEqual({ code: 'UNAUTHENTICATED', details: expect.stringMatching(/rejected by the API server/) as string });
    expect(await checks()).toEqual({ verified: before.verified, reviewed: before.reviewed + 1 });
    expect(await client.refusal(deletedPodToken, await p256Csr('podded'))).toEqual({ code: 'UNAUTHENTICATED', details: expect.stringMatching(/rejected by the API server/) as string });
    expect(await checks()).toEqual({ verified: before.verified, reviewed: before.reviewed + 2 });
    // The recreated ServiceAccount's own tokens verify locally again.
    expect((await client.ask(await requestToken(cluster, NS, 'jwks'), await p256Csr('jwks'), 3600)).cert_chain).toHaveLength(1);
    expect(await checks()).toEqual({ verified: before.verified + 1, reviewed: before.reviewed + 2 });
  }, 90_000);

  it('certificate service - refuses every bad input with the right code and a clear message, and issues nothing', async () => {
    for (const sa of ['victim', 'web', 'p384', 'rsa', 'two-uris', 'garbage', 'huge', 'names', 'other-ns', 'other-td', 'audience']) await serviceAccount(sa);
    const before = await issuedCount();
    const victimCsr = await p256Csr('victim');

    // No token at all.
    expect(await client.refusal('', victimCsr)).toEqual({ code: 'UNAUTHENTICATED', details: expect.stringMatching(/no ServiceAccount token/) as string });
    // A real token with a claim changed under its signature.
    const forged = forgedToken(await requestToken(cluster, NS, 'web'), `system:serviceaccount:${NS}:victim`);
    expect(await client.refusal(forged, victimCsr)).toEqual({ code: 'UNAUTHENTICATED', details: expect.stringMatching(/rejected by the API server/) as string });
    // Signed with the cluster's real key, expired an hour ago; the same made valid is accepted (so expiry is the reason).
    const expired = await signedToken(cluster, NS, 'victim', Math.floor(Date.now() / 1000) - 3600);
    const expiredRefusal = await client.refusal(expired, victimCsr);
    expect(expiredRefusal.code).toBe('UNAUTHENTICATED');
    expect(expiredRefusal.details).toMatch(/expired/);
    const authn = cluster.kubeConfig.makeApiClient(AuthenticationV1Api);
    const control = await authn.createTokenReview({ body: { spec: { token: await signedToken(cluster, NS, 'victim', Math.floor(Date.now() / 1000) + 3600), audiences: ['weft'] } } });
    expect(control.status?.authenticated).toBe(true);
    // A valid token of another ServiceAccount.
    expect(await client.refusal(await requestToken(cluster, NS, 'web'), victimCsr)).toEqual({
      code: 'PERMISSION_DENIED',
      details: expect.stringMatching(new RegExp(`CSR asks for ${idOf('victim')} but the caller is authorised for ${idOf('web')}`)) as string,
    });
    // The right ServiceAccount's token, issued for another audience.
    expect(await client.refusal(await requestToken(cluster, NS, 'audience', ['not-weft']), await p256Csr('audience'))).toEqual({
      code: 'UNAUTHENTICATED',
      details: expect.stringMatching(/audience/) as string,
    });
    // A CSR for the same name in another namespace, and for another trust domain.
    expect(await client.refusal(await requestToken(cluster, NS, 'other-ns'), await p256Csr('other-ns', { ns: 'other' }))).toMatchObject({ code: 'PERMISSION_DENIED', details: expect.stringContaining(idOf('other-ns', 'other')) as string });
    expect(await client.refusal(await requestToken(cluster, NS, 'other-td'), await p256Csr('other-td', { td: 'evil.example' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: expect.stringContaining('spiffe://evil.example/ns/shop/sa/other-td') as string,
    });
    // Names the CA does not grant.
    expect(await client.refusal(await requestToken(cluster, NS, 'names'), await p256Csr('names', { dnsNames: ['kubernetes.default.svc'] }))).toEqual({
      code: 'PERMISSION_DENIED',
      details: expect.stringMatching(/DNS names the CA does not grant: kubernetes.default.svc/) as string,
    });
    // CSRs made by openssl: two URI SANs, a P-384 key, an RSA key.
    const twoUris = await ssl.csr('two-uris', 'p256', `URI:${idOf('two-uris')},URI:${idOf('victim')}`);
    expect(await client.refusal(await requestToken(cluster, NS, 'two-uris'), twoUris)).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/2 URI SANs; exactly one is allowed/) as string });
    const p384 = await ssl.csr('p384', 'p384', `URI:${idOf('p384')}`);
    expect(await client.refusal(await requestToken(cluster, NS, 'p384'), p384)).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/must be ECDSA P-256, found EC secp384r1/) as string });
    const rsa = await ssl.csr('rsa', 'rsa', `URI:${idOf('rsa')}`);
    expect(await client.refusal(await requestToken(cluster, NS, 'rsa'), rsa)).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/must be ECDSA P-256, found rsa/) as string });
    // Garbage in PEM clothing, and plain garbage.
    const garbageToken = await requestToken(cluster, NS, 'garbage');
    expect(await client.refusal(garbageToken, '-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n')).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/invalid CSR/) as string });
    expect(await client.refusal(garbageToken, 'hello')).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/invalid CSR: CSR must be exactly one PEM block/) as string });
    // A huge (but well-formed, signed) CSR: 1,500 DNS names.
    const huge = await ssl.csr('huge', 'p256', [`URI:${idOf('huge')}`, ...Array.from({ length: 1500 }, (_, i) => `DNS:host-${i}.shop.svc.cluster.local`)].join(','));
    expect(huge.length).toBeGreaterThan(16 * 1024);
    expect(await client.refusal(await requestToken(cluster, NS, 'huge'), huge)).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/the CSR is \d+ bytes, more than the 16384 allowed/) as string });
    // A validity above --max-svid-lifetime (24 h).
    expect(await client.refusal(await requestToken(cluster, NS, 'victim'), victimCsr, 48 * 3600)).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/out of bounds/) as string });

    expect(await issuedCount()).toBe(before);
    await cp.waitForLine('the last denial’s audit line', (l) => l['audit'] === 'denied' && l['reason'] === 'bad-validity');
    expect(cp.lines.filter((l) => l['audit'] === 'issued' && typeof l['identity'] === 'string' && !['cart', 'hot', 'rotator', 'reviews', 'jwks', 'podded'].some((sa) => (l['identity'] as string).endsWith(`/sa/${sa}`)) && !/\/sa\/jwks-probe-\d+$/.test(l['identity']))).toEqual([]);
    for (const reason of ['no-token', 'token-rejected', 'identity-mismatch', 'wrong-audience', 'trust-domain-mismatch', 'names-not-granted', 'bad-csr', 'bad-validity']) {
      expect(deniedLines(reason).length, reason).toBeGreaterThan(0);
    }
    expect(deniedLines('identity-mismatch')[0]).toMatchObject({ component: 'control-plane', identity: `${NS}/web`, code: 'PERMISSION_DENIED' });
    expect(await metric(health, 'weft_certificate_denials_total', { reason: 'bad-csr' })).toBeGreaterThanOrEqual(5);
  });

  it('certificate service - the per-identity rate limit answers RESOURCE_EXHAUSTED', async () => {
    await serviceAccount('hot');
    const token = await requestToken(cluster, NS, 'hot');
    for (let i = 0; i < 4; i++) await client.ask(token, await p256Csr('hot'));
    const refusal = await client.refusal(token, await p256Csr('hot'));
    expect(refusal).toEqual({ code: 'RESOURCE_EXHAUSTED', details: expect.stringMatching(/too many certificate requests for shop\/hot: retry in \d+ s/) as string });
    await cp.waitForLine('the rate-limit audit line', (l) => l['audit'] === 'denied' && l['reason'] === 'rate-limited');
    expect(deniedLines('rate-limited')).toEqual([expect.objectContaining({ identity: `${NS}/hot`, code: 'RESOURCE_EXHAUSTED' })]);
  });

  it('certificate service - two control planes started together converge on one CA Secret', async () => {
    const args = ['--ca-secret', 'weft-ca-race'];
    const [b, c] = [startControlPlane('control-plane b', 'e2e-ca-b', args), startControlPlane('control-plane c', 'e2e-ca-c', args)];
    try {
      const [lineB, lineC] = await Promise.all([listening(b), listening(c)]);
      expect(lineB['roots']).toEqual(lineC['roots']);
      expect([lineB['ca'], lineC['ca']].sort()).toEqual(['generated', 'stored']);
      const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca-race', '-n', 'weft-system', '-o', 'json'])) as { data: Record<string, string>; metadata: { labels: Record<string, string> } };
      expect(secret.metadata.labels['app.kubernetes.io/managed-by']).toBe('weft');
      expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'cert-chain.pem', 'root-cert.pem']);
      const root = Buffer.from(secret.data['root-cert.pem']!, 'base64').toString('utf8');
      expect(root).not.toBe(rootsPem);
      // An SVID from one verifies against the bundle of the other.
      await serviceAccount('converge');
      const fromC = new CaTestClient(lineC['port'] as number, root);
      const fromB = new CaTestClient(lineB['port'] as number, root);
      try {
        const answer = await fromC.ask(await requestToken(cluster, NS, 'converge'), await p256Csr('converge'));
        const bundleOfB = (await fromB.ask(await requestToken(cluster, NS, 'converge'), await p256Csr('converge'))).trust_bundle;
        await ssl.write('converge.pem', answer.cert_chain.join(''));
        await ssl.write('bundle-b.pem', bundleOfB.join(''));
        expect((await ssl.ok(['verify', '-CAfile', 'bundle-b.pem', 'converge.pem'])).trim()).toBe('converge.pem: OK');
      } finally {
        fromB.close();
        fromC.close();
      }
    } finally {
      await Promise.all([b.stop(), c.stop()]);
    }
  }, 120_000);

  it('certificate service - a plugged CA from a cacerts Secret signs, and openssl verifies the chain to the user’s root', async () => {
    const material = await ssl.intermediateCa('corp');
    await cluster.kubectl(['create', 'secret', 'generic', 'corp-cacerts', '-n', 'weft-system', ...Object.entries(material).map(([key, pem]) => `--from-literal=${key}=${pem}`)]);
    const plugged = startControlPlane('control-plane plugged', 'e2e-ca-plugged', ['--ca-plugged-secret', 'corp-cacerts']);
    try {
      const line = await listening(plugged);
      expect(line).toMatchObject({ ca: 'plugged', secret: 'weft-system/corp-cacerts' });
      await serviceAccount('plugged');
      const pluggedClient = new CaTestClient(line['port'] as number, material['root-cert.pem']);
      try {
        const answer = await pluggedClient.ask(await requestToken(cluster, NS, 'plugged'), await p256Csr('plugged'));
        expect(answer.cert_chain).toHaveLength(2);
        const print = (pem: string): string => new X509Certificate(pem).fingerprint256;
        expect(print(answer.cert_chain[1]!)).toBe(print(material['ca.crt']));
        expect(answer.trust_bundle.map(print)).toEqual([print(material['root-cert.pem'])]);
        await ssl.write('plugged-leaf.pem', answer.cert_chain[0]!);
        await ssl.write('plugged-intermediate.pem', answer.cert_chain[1]!);
        await ssl.write('plugged-root.pem', answer.trust_bundle[0]!);
        expect((await ssl.ok(['verify', '-CAfile', 'plugged-root.pem', '-untrusted', 'plugged-intermediate.pem', 'plugged-leaf.pem'])).trim()).toBe('plugged-leaf.pem: OK');
        // Without the intermediate the chain does not reach the root.
        expect((await ssl.run(['verify', '-CAfile', 'plugged-root.pem', 'plugged-leaf.pem'])).code).not.toBe(0);
      } finally {
        pluggedClient.close();
      }
      // A Secret that is not in the cacerts layout is refused with the missing keys named, and the service waits.
      await cluster.kubectl(['create', 'secret', 'generic', 'half-cacerts', '-n', 'weft-system', `--from-literal=ca.crt=${material['ca.crt']}`]);
      const broken = startControlPlane('control-plane broken', 'e2e-ca-broken', ['--ca-plugged-secret', 'half-cacerts']);
      try {
        const complaint = await broken.waitForLine('the CA loading error', (l) => l['msg'] === 'cannot load the CA; the certificate service waits for it', 60_000);
        expect(complaint['err']).toMatch(/Secret weft-system\/half-cacerts is not in the cacerts layout: it lacks ca.key or ca-key.pem, cert-chain.pem, root-cert.pem/);
        expect(broken.lines.some((l) => l['msg'] === 'certificate service listening')).toBe(false);
      } finally {
        await broken.stop();
      }
    } finally {
      await plugged.stop();
    }
  }, 120_000);

  it('certificate service - a real agent obtains its SVID, rotates it before expiry, and keeps it when the CA is gone', async () => {
    await serviceAccount('rotator');
    const tokenFile = join(scratch, 'token');
    const rootFile = join(scratch, 'roots.pem');
    writeFileSync(tokenFile, await requestToken(cluster, NS, 'rotator'));
    writeFileSync(rootFile, rootsPem);
    await using agent = await startAgent({
      natsUrl: nats.url,
      namespace: NS,
      pod: 'rotator-1',
      extraArgs: [
        '--service-account', 'rotator', '--ca-address', `127.0.0.1:${caPort}`, '--ca-server-name', CA_SERVER_NAME,
        '--ca-root-file', rootFile, '--token-file', tokenFile, '--svid-lifetime', '20s',
      ],
    });
    const first = await waitFor('the first SVID', () => agent.logs.find((l) => l['msg'] === 'svid obtained'), { timeoutMs: 20_000 });
    expect(first['spiffeId']).toBe(idOf('rotator'));
    const firstNotAfter = Date.parse(first['notAfter'] as string);
    const rotated = await waitFor('the rotation', () => agent.logs.find((l) => l['msg'] === 'svid rotated'), { timeoutMs: 25_000 });
    const rotatedAt = Date.parse(rotated['time'] as string) || Date.now();
    expect(rotated['previousSerial']).toBe(first['serial']);
    expect(rotated['serial']).not.toBe(first['serial']);
    expect(rotatedAt).toBeLessThan(firstNotAfter);
    expect(Date.parse(rotated['notAfter'] as string)).toBeGreaterThan(firstNotAfter);
    const state = (await (await fetch(`${agent.health}/debug/state`)).json()) as { identity: { serialNumber: string; lastError: string | null } };
    expect(state.identity).toMatchObject({ serialNumber: rotated['serial'], lastError: null });
    expect(await metric(agent.health, 'weft_svid_expiry_seconds')).toBeGreaterThan(5);
    expect(await metric(agent.health, 'weft_svid_issued_total')).toBeGreaterThanOrEqual(2);

    // The CA goes away: the agent keeps its SVID, reports why, and retries.
    await cp.stop();
    const failed = await waitFor('a failed rotation', () => agent.logs.find((l) => l['msg'] === 'svid rotation failed; keeping the current SVID and retrying'), { timeoutMs: 25_000 });
    expect(failed).toMatchObject({ code: 'UNAVAILABLE', keeping: state.identity.serialNumber });
    const after = (await (await fetch(`${agent.health}/debug/state`)).json()) as { identity: { serialNumber: string; lastError: string | null } };
    expect(after.identity.serialNumber).toBe(state.identity.serialNumber);
    expect(after.identity.lastError).toMatch(/UNAVAILABLE/);
    expect(await metric(agent.health, 'weft_svid_rotation_failures_total', { code: 'UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
    expect(await metric(agent.health, 'weft_svid_expiry_seconds')).toBeGreaterThan(0);
  }, 90_000);
});

describe('libs/k8s TokenReviewer and Secrets', () => {
  it('k8s - the ServiceAccount issuer keys are the ones the API server signs tokens with; an unknown kid refetches at most once per interval', async () => {
    const log = createLogger({ component: 'e2e-issuer-keys', level: 'warn' });
    const keys = new ServiceAccountIssuerKeys(new KubeHttp(cluster.kubeConfig), { log, minRefreshIntervalMs: 60_000 });
    await keys.refresh();
    const set = keys.current();
    expect(set?.issuer).toBe(SERVICE_ACCOUNT_ISSUER);
    await serviceAccount('signed', 'weft-system');
    const header = JSON.parse(Buffer.from((await requestToken(cluster, 'weft-system', 'signed')).split('.')[0] ?? '', 'base64url').toString()) as { kid: string; alg: string };
    expect(set?.keys.map((k) => [k['kid'], k['alg'], k['use']])).toEqual([[header.kid, header.alg, 'sig']]);
    expect(keys.describe().lastError).toBeNull();
    // Just fetched: a burst of unknown kids asks for nothing more.
    const fetches = keys.fetches;
    for (let i = 0; i < 5; i++) keys.refreshSoon();
    expect(keys.fetches).toBe(fetches);
    const eager = new ServiceAccountIssuerKeys(new KubeHttp(cluster.kubeConfig), { log, minRefreshIntervalMs: 0 });
    eager.refreshSoon();
    await waitFor('a fetch for an unknown kid', () => eager.current()?.issuer === SERVICE_ACCOUNT_ISSUER, { timeoutMs: 10_000 });
  });

  it('k8s - TokenReview and Secret access refused by RBAC name the permission to grant', async () => {
    await serviceAccount('nobody', 'weft-system');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'e2e', server: cluster.server, caData: Buffer.from(cluster.certificates.ca.certPem).toString('base64') }],
      users: [{ name: 'nobody', token: (await cluster.kubectl(['create', 'token', 'nobody', '-n', 'weft-system'])).trim() }],
      contexts: [{ name: 'e2e', cluster: 'e2e', user: 'nobody' }],
      currentContext: 'e2e',
    });
    const http = new KubeHttp(kubeConfig);
    const review = new TokenReviewer(http).review('x.y.z', ['weft']);
    await expect(review).rejects.toThrow(TokenReviewForbiddenError);
    await expect(review).rejects.toThrow(/grant its ServiceAccount a ClusterRole with verbs \["create"\] on resources \["tokenreviews"\]/);
    const read = readSecret(http, 'weft-system', 'weft-ca');
    await expect(read).rejects.toThrow(SecretAccessError);
    await expect(read).rejects.toThrow(/forbids "get" on Secret "weft-ca" in namespace "weft-system".*verbs get and create on secrets/);
    await expect(createSecretIfAbsent(http, 'weft-system', 'x', { a: 'b' })).rejects.toThrow(/forbids "create" on Secret "x"/);

    // With the admin's rights: absent is undefined, a second create is "exists", and the data round-trips as text.
    const admin = new KubeHttp(cluster.kubeConfig);
    expect(await readSecret(admin, 'weft-system', 'no-such-secret')).toBeUndefined();
    expect(await createSecretIfAbsent(admin, 'weft-system', 'roundtrip', { 'root-cert.pem': 'PEM ✓\n' })).toBe('created');
    expect(await createSecretIfAbsent(admin, 'weft-system', 'roundtrip', { 'root-cert.pem': 'other' })).toBe('exists');
    expect(await readSecret(admin, 'weft-system', 'roundtrip')).toEqual({ 'root-cert.pem': 'PEM ✓\n' });
    await expect(createSecretIfAbsent(admin, 'no-such-namespace', 'x', { a: 'b' })).rejects.toThrow(/namespace "no-such-namespace" does not exist/);
  });
});
