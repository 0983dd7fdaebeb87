import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateRequests, CertificateRequestTimeoutError, ConfigMapWatch, KubeHttp } from '@weft/k8s';
import { createCsr, generateKeyPair } from '@weft/pki';
import { createLogger } from '@weft/telemetry';
import { startCertManager, startCluster, waitFor } from '../harness/index.js';
import type { CertManager, Cluster, WeftProcess } from '../harness/index.js';
import { metric } from './agent-process.js';
import { applyIssuer, BRIDGE_NAME, BRIDGE_NS, bridgeRequests, CA_ISSUER_SPEC, createMeshIssuer, issuerReady, startBridge } from './cert-manager-bridge-setup.js';
import { CaTestClient, OpensslDir, requestToken } from './certificate-client.js';

// apps/cert-manager-bridge (a child process) against the real kube-apiserver with cert-manager's CRDs and cert-manager's
// own controller (built from github.com/cert-manager/cert-manager by scripts/servers/install.sh): a CA Issuer whose
// Secret holds an intermediate CA made by openssl signs, cert-manager's built-in approver approves. Nothing here
// signs or approves but cert-manager.

const NS = 'shop';
const TD = 'cluster.local';
const idOf = (sa: string, ns = NS): string => `spiffe://${TD}/ns/${ns}/sa/${sa}`;

let cluster: Cluster;
let certManager: CertManager;
let bridge: WeftProcess;
let client: CaTestClient;
let ssl: OpensslDir;
let health: string;
let rootPem: string;
let intermediatePem: string;

async function p256Csr(sa: string, ns = NS, dnsNames?: string[]): Promise<string> {
  return createCsr({ keys: await generateKeyPair(), spiffeId: { trustDomain: TD, namespace: ns, serviceAccount: sa }, ...(dnsNames === undefined ? {} : { dnsNames }) });
}

beforeAll(async () => {
  [cluster, ssl] = await Promise.all([startCluster({ gatewayApi: 'none' }), OpensslDir.create()]);
  certManager = await startCertManager(cluster);
  // The issuer's CA: an openssl root, and under it the intermediate cert-manager signs with (tls.crt = intermediate + root).
  ({ rootPem, intermediatePem } = await createMeshIssuer(cluster, ssl));
  await cluster.kubectl(['create', 'namespace', NS]);

  // A leftover of an earlier run: a finished request carrying the bridge's label, which the bridge deletes at start.
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: { name: 'weft-svid-leftover', namespace: BRIDGE_NS, labels: { 'app.kubernetes.io/managed-by': 'weft-cert-manager-bridge' } },
    spec: { request: Buffer.from(await p256Csr('old')).toString('base64'), usages: ['digital signature', 'client auth'], issuerRef: { name: 'mesh-ca', kind: 'Issuer', group: 'cert-manager.io' } },
  }));
  await waitFor('cert-manager to issue the leftover request', async () => {
    const cr = JSON.parse(await cluster.kubectl(['get', 'certificaterequest', 'weft-svid-leftover', '-n', BRIDGE_NS, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[] } };
    return cr.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }, { timeoutMs: 30_000, intervalMs: 200 });

  let port: number;
  ({ process: bridge, port, health } = await startBridge(cluster));
  client = new CaTestClient(port, rootPem, BRIDGE_NAME);
}, 240_000);

afterAll(async () => {
  client.close();
  await bridge.stop();
  await certManager.stop();
  await Promise.all([cluster.stop(), ssl.remove()]);
});

describe('cert-manager bridge', () => {
  it('cert-manager bridge - deletes the finished requests an earlier run left behind', async () => {
    await bridge.waitForLine('the leftover deleted', (l) => l['msg'] === 'deleted a leftover CertificateRequest' && l['request'] === 'weft-svid-leftover');
    expect(await bridgeRequests(cluster)).not.toContain('certificaterequest.cert-manager.io/weft-svid-leftover');
  });

  it('cert-manager bridge - an agent-style client gets an SVID signed by cert-manager that openssl verifies against the issuer CA', async () => {
    await cluster.kubectl(['create', 'serviceaccount', 'cart', '-n', NS]);
    const answer = await client.ask(await requestToken(cluster, NS, 'cart'), await p256Csr('cart'), 3600);
    // The leaf and the intermediate; the root is the bundle (status.ca).
    expect(answer.cert_chain).toHaveLength(2);
    expect(new X509Certificate(answer.cert_chain[1]!).fingerprint256).toBe(new X509Certificate(intermediatePem).fingerprint256);
    expect(answer.trust_bundle).toHaveLength(1);
    expect(new X509Certificate(answer.trust_bundle[0]!).fingerprint256).toBe(new X509Certificate(rootPem).fingerprint256);
    await ssl.write('cart.pem', answer.cert_chain[0]!);
    await ssl.write('cart-chain.pem', answer.cert_chain.slice(1).join(''));
    expect((await ssl.ok(['verify', '-CAfile', 'root.pem', '-untrusted', 'cart-chain.pem', 'cart.pem'])).trim()).toBe('cart.pem: OK');
    const text = await ssl.ok(['x509', '-in', 'cart.pem', '-noout', '-issuer', '-ext', 'subjectAltName,extendedKeyUsage,basicConstraints']);
    expect(text).toContain(`URI:${idOf('cart')}`);
    expect(text).toMatch(/TLS Web Client Authentication/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(/issuer=O ?= ?mesh, CN ?= ?mesh intermediate/);
    const leaf = new X509Certificate(answer.cert_chain[0]!);
    const lifetime = new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);

    const audit = await bridge.waitForLine('the issuance audit line', (l) => l['audit'] === 'issued' && l['identity'] === idOf('cart'));
    expect(audit).toMatchObject({ component: 'cert-manager-bridge', serial: leaf.serialNumber });
    expect(audit['certificateRequest']).toMatch(/^weft-svid-[0-9a-f]{16}$/);
    expect(await metric(health, 'weft_certificates_issued_total')).toBeGreaterThanOrEqual(1);
    // The request is deleted once answered: none of the bridge's requests stays behind.
    await waitFor('the bridge’s CertificateRequests to be gone', async () => (await bridgeRequests(cluster)).length === 0, { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('cert-manager bridge - checks a real token itself against the API server’s issuer keys and watched ServiceAccounts: no TokenReview', async () => {
    type Debug = { tokenVerification?: { keys: { issuer: string | null }; subjects: { synced: boolean; serviceAccounts: number } } };
    const debug = async (): Promise<Debug> => (await (await fetch(`${health}/debug/bridge`)).json()) as Debug;
    const accounts = (await waitFor('the token subjects listed', async () => ((await debug()).tokenVerification?.subjects.synced === true ? debug() : undefined), { timeoutMs: 10_000 })).tokenVerification?.subjects.serviceAccounts ?? 0;
    await cluster.kubectl(['create', 'serviceaccount', 'verified', '-n', NS]);
    await waitFor('the new ServiceAccount watched, the issuer keys fetched', async () => {
      const seen = (await debug()).tokenVerification;
      return seen !== undefined && seen.subjects.serviceAccounts > accounts && seen.keys.issuer !== null;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    const checks = async (): Promise<[number, number]> => [
      await metric(health, 'weft_certificate_token_reviews_total', { result: 'verified' }),
      await metric(health, 'weft_certificate_token_reviews_total', { result: 'reviewed' }),
    ];
    const [verified, reviewed] = await checks();
    expect((await client.ask(await requestToken(cluster, NS, 'verified'), await p256Csr('verified'), 3600)).cert_chain).toHaveLength(2);
    expect(await checks()).toEqual([verified + 1, reviewed]);
  });

  it('cert-manager bridge - a pod-bound token gets the mesh names of the Services selecting its pod; another Service’s name never reaches cert-manager', async () => {
    await cluster.kubectl(['create', 'serviceaccount', 'reviews', '-n', NS]);
    const service = (name: string, selector: Record<string, string>, ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector, ports } });
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      // Service port 80 → the container port named http (9080): the mesh name carries the container port.
      service('reviews', { app: 'reviews' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
      service('reviews-admin', { app: 'reviews', tier: 'admin' }, [{ name: 'http-admin', port: 9901, targetPort: 9901 }]),
      service('ratings', { app: 'ratings' }, [{ name: 'http', port: 9080, targetPort: 9080 }]),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        // The injector's label: the bridge watches only meshed pods.
        metadata: { name: 'reviews-v1', namespace: NS, labels: { app: 'reviews', tier: 'admin', 'security.weft.dev/tlsMode': 'weft' } },
        spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'registry.invalid/reviews:1', ports: [{ name: 'http', containerPort: 9080 }, { containerPort: 9901 }] }] },
      },
    ] }));
    const bound = (): Promise<string> => cluster.kubectl(['create', 'token', 'reviews', '-n', NS, '--audience=weft', '--duration=1h', '--bound-object-kind=Pod', '--bound-object-name=reviews-v1']).then((t) => t.trim());
    const meshNames = [`9080.reviews.${NS}.svc.cluster.local`, `9901.reviews-admin.${NS}.svc.cluster.local`];
    await waitFor('the pod in the bridge’s watched cache', async () => {
      const debug = (await (await fetch(`${health}/debug/bridge`)).json()) as { meshNameCaches?: { pods: number } };
      return (debug.meshNameCaches?.pods ?? 0) >= 1;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    const answer = await client.ask(await bound(), await p256Csr('reviews', NS, meshNames), 3600);
    await ssl.write('reviews.pem', answer.cert_chain[0]!);
    const sans = await ssl.ok(['x509', '-in', 'reviews.pem', '-noout', '-ext', 'subjectAltName']);
    for (const name of meshNames) expect(sans).toContain(`DNS:${name}`);
    expect(sans).toContain(`URI:${idOf('reviews')}`);
    expect(new X509Certificate(answer.cert_chain[0]!).subjectAltName?.split(', ').sort()).toEqual([...meshNames.map((n) => `DNS:${n}`), `URI:${idOf('reviews')}`].sort());
    await bridge.waitForLine('the issuance audit line with the names', (l) => l['audit'] === 'issued' && l['identity'] === idOf('reviews') && Array.isArray(l['dnsNames']));

    const issued = await metric(health, 'weft_certificates_issued_total');
    const ratings = `9080.ratings.${NS}.svc.cluster.local`;
    expect(await client.refusal(await bound(), await p256Csr('reviews', NS, [meshNames[0]!, ratings]))).toEqual({
      code: 'PERMISSION_DENIED',
      details: expect.stringMatching(/DNS names the CA does not grant: 9080\.ratings\.shop\.svc\.cluster\.local$/) as string,
    });
    // The same ServiceAccount without a pod binding may not have the names.
    expect((await client.refusal(await requestToken(cluster, NS, 'reviews'), await p256Csr('reviews', NS, [meshNames[0]!]))).code).toBe('PERMISSION_DENIED');
    const denied = await bridge.waitForLine('the names-not-granted audit line', (l) => l['audit'] === 'denied' && l['reason'] === 'names-not-granted' && l['identity'] === `${NS}/reviews`);
    // Nothing was asked of cert-manager: no request named in the denials, none in the API, nothing more issued.
    expect(denied['certificateRequest']).toBeUndefined();
    expect(bridge.lines.filter((l) => l['reason'] === 'names-not-granted' && l['certificateRequest'] !== undefined)).toEqual([]);
    expect(await bridgeRequests(cluster)).toEqual([]);
    expect(await metric(health, 'weft_certificates_issued_total')).toBe(issued);
  });

  it('cert-manager bridge - writes the issuer’s CA to the trust-bundle ConfigMap, which a watch by name sees', async () => {
    const seen: (Readonly<Record<string, string>> | undefined)[] = [];
    const watch = new ConfigMapWatch({ http: new KubeHttp(cluster.kubeConfig), namespace: BRIDGE_NS, name: 'weft-trust-bundle', onData: (data) => seen.push(data), log: createLogger({ component: 'test', level: 'silent' }) });
    watch.start();
    try {
      const roots = await waitFor('the trust bundle in the watched ConfigMap', () => seen.at(-1)?.['roots.pem'], { timeoutMs: 15_000, intervalMs: 100 });
      expect(roots.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(1);
      expect(new X509Certificate(roots).fingerprint256).toBe(new X509Certificate(rootPem).fingerprint256);
      const stored = JSON.parse(await cluster.kubectl(['get', 'configmap', 'weft-trust-bundle', '-n', BRIDGE_NS, '-o', 'json'])) as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
      expect(stored.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'weft-cert-manager-bridge' });
      expect(stored.data['roots.pem']).toBe(roots);
      await bridge.waitForLine('the ConfigMap write logged', (l) => l['msg'] === 'trust bundle ConfigMap written' && l['roots'] === 1);
      // Another ConfigMap in the namespace is not the watch's business.
      const before = seen.length;
      await cluster.kubectl(['create', 'configmap', 'unrelated', '-n', BRIDGE_NS, '--from-literal=roots.pem=x']);
      await cluster.kubectl(['patch', 'configmap', 'weft-trust-bundle', '-n', BRIDGE_NS, '--type=merge', '-p', JSON.stringify({ data: { note: 'touched' } })]);
      await waitFor('the watch to see the touched ConfigMap', () => seen.at(-1)?.['note'] === 'touched', { timeoutMs: 10_000, intervalMs: 50 });
      expect(seen.slice(before).every((data) => data?.['roots.pem'] === roots)).toBe(true);
    } finally {
      await watch.stop();
    }
  });

  it('cert-manager bridge - serves its own certificate from cert-manager, for its Service name', async () => {
    const debug = (await (await fetch(`${health}/debug/bridge`)).json()) as { serving: { serial: string }; issuer: string };
    expect(debug.issuer).toBe('Issuer.cert-manager.io/mesh-ca');
    const port = String((bridge.lines.find((l) => l['msg'] === 'cert-manager bridge listening') ?? {})['port']);
    const out = await ssl.ok(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', BRIDGE_NAME, '-alpn', 'h2', '-CAfile', 'root.pem', '-verify_return_error', '-verify_hostname', BRIDGE_NAME], '');
    expect(out).toContain('Verify return code: 0 (ok)');
    const served = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec((await ssl.run(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', BRIDGE_NAME, '-alpn', 'h2', '-showcerts'], '')).stdout)?.[0] ?? '';
    const cert = new X509Certificate(served);
    expect(cert.serialNumber).toBe(debug.serving.serial);
    expect(cert.subjectAltName).toContain(`URI:spiffe://${TD}/ns/${BRIDGE_NS}/sa/weft-cert-manager-bridge`);
    expect(cert.subjectAltName).toContain(`DNS:${BRIDGE_NAME}`);
  });

  it('cert-manager bridge - refuses a token for another ServiceAccount before anything reaches cert-manager', async () => {
    await cluster.kubectl(['create', 'serviceaccount', 'web', '-n', NS]);
    await cluster.kubectl(['create', 'serviceaccount', 'victim', '-n', NS]);
    const created = await metric(health, 'weft_certificates_issued_total');
    expect(await client.refusal(await requestToken(cluster, NS, 'web'), await p256Csr('victim'))).toEqual({
      code: 'PERMISSION_DENIED',
      details: expect.stringMatching(new RegExp(`CSR asks for ${idOf('victim')} but the caller is authorised for ${idOf('web')}`)) as string,
    });
    // No token, a CSR with a subject, a validity above the bound: the control plane's codes.
    expect((await client.refusal('', await p256Csr('victim'))).code).toBe('UNAUTHENTICATED');
    // Made like any openssl CSR, then again with a subject: cert-manager would copy it into the certificate.
    await ssl.csr('subject', 'p256', `URI:${idOf('web')}`);
    await ssl.ok(['req', '-new', '-key', 'subject.key', '-config', 'subject.cnf', '-subj', '/CN=admin/O=system:masters', '-out', 'subject.csr']);
    expect(await client.refusal(await requestToken(cluster, NS, 'web'), await ssl.read('subject.csr'))).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/subject "CN=admin, O=system:masters"/) as string });
    expect((await client.refusal(await requestToken(cluster, NS, 'web'), await p256Csr('web'), 48 * 3600)).code).toBe('INVALID_ARGUMENT');
    await bridge.waitForLine('the identity-mismatch audit line', (l) => l['audit'] === 'denied' && l['reason'] === 'identity-mismatch' && l['identity'] === `${NS}/web`);
    expect(await metric(health, 'weft_certificates_issued_total')).toBe(created);
    // Nothing was asked of cert-manager: no CertificateRequest was made for these.
    expect(bridge.lines.filter((l) => l['audit'] === 'denied' && typeof l['certificateRequest'] === 'string')).toEqual([]);
  });

  it('cert-manager bridge - a request the issuer fails is reported as UNAVAILABLE with the issuer’s reason, and cleaned up', async () => {
    // The same Issuer turned into a SelfSigned one: cert-manager's SelfSigned signer fails any request that does not
    // name its private key Secret (MissingAnnotation), which the bridge's requests never do.
    await applyIssuer(cluster, { selfSigned: {} });
    await waitFor('the Issuer to be SelfSigned and Ready', async () => {
      const issuer = JSON.parse(await cluster.kubectl(['get', 'issuer', 'mesh-ca', '-n', BRIDGE_NS, '-o', 'json'])) as { spec: { selfSigned?: unknown } };
      return issuer.spec.selfSigned !== undefined && (await issuerReady(cluster));
    }, { timeoutMs: 30_000, intervalMs: 200 });
    await cluster.kubectl(['create', 'serviceaccount', 'unlucky', '-n', NS]);
    const refusal = await client.refusal(await requestToken(cluster, NS, 'unlucky'), await p256Csr('unlucky'));
    expect(refusal.code).toBe('UNAVAILABLE');
    expect(refusal.details).toMatch(/issuer Issuer\/mesh-ca failed CertificateRequest weft-svid-[0-9a-f]{16}: Failed: .*annotation/i);
    const audit = await bridge.waitForLine('the signer-failed audit line', (l) => l['audit'] === 'denied' && l['reason'] === 'signer-failed');
    expect(audit).toMatchObject({ identity: `${NS}/unlucky`, code: 'UNAVAILABLE' });
    expect(await metric(health, 'weft_certificate_denials_total', { reason: 'signer-failed' })).toBe(1);
    await waitFor('the failed CertificateRequest to be gone', async () => (await bridgeRequests(cluster)).length === 0, { timeoutMs: 10_000, intervalMs: 100 });

    // Back to the CA: the next request is issued again.
    await applyIssuer(cluster, CA_ISSUER_SPEC);
    await waitFor('the Issuer to be a Ready CA again', async () => {
      const issuer = JSON.parse(await cluster.kubectl(['get', 'issuer', 'mesh-ca', '-n', BRIDGE_NS, '-o', 'json'])) as { spec: { ca?: unknown } };
      return issuer.spec.ca !== undefined && (await issuerReady(cluster));
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const answer = await client.ask(await requestToken(cluster, NS, 'unlucky'), await p256Csr('unlucky'));
    expect(new X509Certificate(answer.cert_chain[0]!).subjectAltName).toBe(`URI:${idOf('unlucky')}`);
    await waitFor('every bridge CertificateRequest to be gone', async () => (await bridgeRequests(cluster)).length === 0, { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('cert-manager bridge - the real cert-manager controller did the signing', () => {
    expect(certManager.version).toMatch(/^cert-manager-controller v1\.21\.2 /);
    const log = certManager.controller.logTail(400);
    expect(log).toMatch(/certificaterequests-issuer-ca/);
    expect(log).not.toMatch(/panic/);
  });
});

describe('CertificateRequests (libs/k8s) against cert-manager', () => {
  it('cert-manager bridge - a request nobody can sign times out with cert-manager’s last reason, and is cleaned up', async () => {
    // Owned by a Pod (as the bridge's requests are by its Pod), so the garbage collector would delete them with it.
    await cluster.kubectl(['create', 'serviceaccount', 'weft-cert-manager-bridge', '-n', BRIDGE_NS]);
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bridge-0', namespace: BRIDGE_NS },
      spec: { serviceAccountName: 'weft-cert-manager-bridge', automountServiceAccountToken: false, containers: [{ name: 'bridge', image: 'weft/cert-manager-bridge:test' }] },
    }));
    const uid = (await cluster.kubectl(['get', 'pod', 'bridge-0', '-n', BRIDGE_NS, '-o', 'jsonpath={.metadata.uid}'])).trim();
    const owner = { apiVersion: 'v1', kind: 'Pod', name: 'bridge-0', uid };
    const requests = new CertificateRequests({ http: new KubeHttp(cluster.kubeConfig), namespace: BRIDGE_NS, labels: { 'weft.dev/e2e': 'timeout' }, owner, log: createLogger({ component: 'test', level: 'silent' }) });
    requests.start();
    try {
      await requests.whenSynced();
      const outcome = requests.waitForOutcome('weft-svid-orphan', 4_000);
      await requests.create({ name: 'weft-svid-orphan', csrPem: await p256Csr('orphan'), durationSeconds: 3600, usages: ['digital signature', 'client auth'], issuerRef: { name: 'missing', kind: 'Issuer', group: 'cert-manager.io' } });
      const err = await outcome.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CertificateRequestTimeoutError);
      expect((err as CertificateRequestTimeoutError).last).toMatchObject({ state: 'pending', message: expect.stringMatching(/not found/) as string });
      const stored = JSON.parse(await cluster.kubectl(['get', 'certificaterequest', 'weft-svid-orphan', '-n', BRIDGE_NS, '-o', 'json'])) as { metadata: { labels: Record<string, string>; ownerReferences: unknown[] } };
      expect(stored.metadata.ownerReferences).toEqual([owner]);
      expect(stored.metadata.labels).toEqual({ 'weft.dev/e2e': 'timeout' });
      expect((err as Error).message).toMatch(/did not finish CertificateRequest weft-system\/weft-svid-orphan within 4 s \(last state: pending Pending: .*not found/);
      // Nobody waits for it any more: once it is older than the abandon age it is a leftover.
      expect(requests.leftovers(60_000)).toEqual([]);
      expect(requests.leftovers(0, Date.now() + 1_000)).toEqual(['weft-svid-orphan']);
      await requests.delete('weft-svid-orphan');
      await requests.delete('weft-svid-orphan'); // already gone: fine
      await waitFor('the watch to see the delete', () => requests.names().length === 0, { timeoutMs: 10_000 });
    } finally {
      await requests.stop();
    }
  });
});
