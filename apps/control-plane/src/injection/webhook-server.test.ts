import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { createSelfSignedRoot } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import type { Registry } from '@weft/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInjectionSettings } from '../testing/injection-settings.js';
import { createInjectionMetrics } from './injection-metrics.js';
import { PodInjector } from './pod-injector.js';
import { servingIssuerFromCa } from './serving-certificate.js';
import type { ServingCertificate } from './serving-certificate.js';
import { startWebhookServer } from './webhook-server.js';
import type { WebhookServer } from './webhook-server.js';

const DNS_NAME = 'weft-control-plane.weft-system.svc';
const log = createLogger({ component: 'test', level: 'silent' });

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly peerSerial: string;
}

/** A real TLS client that trusts only the CA bundle and checks the DNS name, as the API server does. */
function post(server: WebhookServer, bundle: string, body: string | Buffer, options: { path?: string; method?: string; type?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        servername: DNS_NAME,
        ca: bundle,
        path: options.path ?? '/inject',
        method: options.method ?? 'POST',
        headers: { 'Content-Type': options.type ?? 'application/json' },
        agent: false,
      },
      (res) => {
        const peerSerial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text, peerSerial });
        });
      },
    );
    req.on('error', reject);
    req.end(options.method === 'GET' ? undefined : body);
  });
}

function review(pod: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'uid-1', operation: 'CREATE', namespace: 'shop', resource: { group: '', version: 'v1', resource: 'pods' }, object: pod, ...extra },
  });
}

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };

interface AdmissionResponseBody {
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; status?: { code: number; message: string }; warnings?: string[] };
}

describe('injection - webhook server over real TLS', () => {
  let ca: CertificateAuthority;
  let certificate: ServingCertificate;
  let server: WebhookServer;
  let registry: Registry;
  let labels: Record<string, Record<string, string>>;

  beforeAll(async () => {
    ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    certificate = await servingIssuerFromCa(() => ca, { namespace: 'weft-system', serviceAccount: 'weft-control-plane' }).issueServingCertificate([DNS_NAME]);
    registry = createMetricsRegistry();
    labels = { shop: { 'weft.dev/inject': 'enabled' }, plain: {} };
    const injector = new PodInjector({
      settings: testInjectionSettings(),
      log,
      metrics: createInjectionMetrics(registry),
      caRoots: () => certificate.caBundlePem,
      namespaceLabels: (ns) => {
        const found = labels[ns];
        return found === undefined ? Promise.reject(new Error(`namespace "${ns}" does not exist`)) : Promise.resolve(found);
      },
    });
    server = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certificate, review: (body) => injector.review(body), log, maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('webhook - the serving certificate is for the service name, chains to the CA bundle, and carries the control plane’s SPIFFE ID', () => {
    const leaf = new X509Certificate(certificate.chainPem);
    expect(leaf.subjectAltName).toContain(`DNS:${DNS_NAME}`);
    expect(leaf.subjectAltName).toContain('URI:spiffe://cluster.local/ns/weft-system/sa/weft-control-plane');
    expect(leaf.verify(new X509Certificate(certificate.caBundlePem).publicKey)).toBe(true);
    expect(certificate.caBundlePem).toBe(ca.trustBundle.toPem());
  });

  it('webhook - answers a pod CREATE with the uid and a base64 JSONPatch that injects the sidecars', async () => {
    const reply = await post(server, certificate.caBundlePem, review(POD));
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('application/json');
    const body = JSON.parse(reply.body) as AdmissionResponseBody & { apiVersion: string; kind: string };
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-1', allowed: true, patchType: 'JSONPatch' } });
    const patch = JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString('utf8')) as { op: string; path: string; value: unknown }[];
    const inits = patch.find((op) => op.path === '/spec/initContainers')?.value as { name: string }[];
    expect(inits.map((c) => c.name)).toEqual(['weft-init', 'weft-agent', 'weft-apisix']);
    expect(await registry.getSingleMetricAsString('weft_injections_total')).toContain('weft_injections_total{result="injected"} 1');
  });

  it('webhook - a pod of an unlabelled namespace is allowed untouched (no patch)', async () => {
    const body = JSON.parse((await post(server, certificate.caBundlePem, review(POD, { namespace: 'plain' }))).body) as AdmissionResponseBody;
    expect(body.response).toEqual({ uid: 'uid-1', allowed: true });
  });

  it('webhook - a refused pod gets allowed: false with the reason; a failing namespace lookup too, and the server keeps serving', async () => {
    const impostor = { ...POD, spec: { containers: [{ name: 'weft-apisix', image: 'x' }] } };
    const refused = JSON.parse((await post(server, certificate.caBundlePem, review(impostor))).body) as AdmissionResponseBody;
    expect(refused.response.allowed).toBe(false);
    expect(refused.response.status?.code).toBe(400);
    expect(refused.response.status?.message).toContain('it already has a container named "weft-apisix"');

    const missing = JSON.parse((await post(server, certificate.caBundlePem, review(POD, { namespace: 'gone' }))).body) as AdmissionResponseBody;
    expect(missing.response).toMatchObject({ allowed: false, status: { code: 500 } });
    expect(missing.response.status?.message).toBe('weft sidecar injector could not process gone/web-*: namespace "gone" does not exist');

    const malformed = JSON.parse((await post(server, certificate.caBundlePem, review({ kind: 'Pod', spec: { containers: 'web' } }))).body) as AdmissionResponseBody;
    expect(malformed.response).toMatchObject({ allowed: false, status: { code: 400, message: 'weft sidecar injector: request.object has no spec.containers: not a Pod' } });

    expect((await post(server, certificate.caBundlePem, review(POD))).status).toBe(200);
    const metrics = await registry.getSingleMetricAsString('weft_injections_total');
    expect(metrics).toContain('result="refused"} 2');
    expect(metrics).toContain('result="error"} 1');
  });

  it('webhook - other operations, resources and subresources are allowed untouched', async () => {
    for (const extra of [{ operation: 'UPDATE' }, { resource: { group: 'apps', version: 'v1', resource: 'deployments' } }, { subResource: 'status' }]) {
      const body = JSON.parse((await post(server, certificate.caBundlePem, review(POD, extra))).body) as AdmissionResponseBody;
      expect(body.response).toEqual({ uid: 'uid-1', allowed: true });
    }
  });

  it.each([
    ['not JSON', '{"apiVersion":', 'invalid AdmissionReview: body is not JSON'],
    ['v1beta1', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u' } }), 'expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got "admission.k8s.io/v1beta1" "AdmissionReview"'],
    ['no request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 'AdmissionReview has no request object'],
    ['no uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }), 'request.uid must be a non-empty string'],
  ])('webhook - an invalid AdmissionReview (%s) gets 400 and a message', async (_name, body, message) => {
    const reply = await post(server, certificate.caBundlePem, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain(message);
  });

  it('webhook - wrong path 404, wrong method 405, wrong content type 415, oversized body 413', async () => {
    expect((await post(server, certificate.caBundlePem, review(POD), { path: '/mutate' })).status).toBe(404);
    const get = await post(server, certificate.caBundlePem, '', { method: 'GET' });
    expect([get.status, get.body]).toEqual([405, 'method GET not allowed: POST an AdmissionReview to /inject\n']);
    expect((await post(server, certificate.caBundlePem, review(POD), { type: 'text/yaml' })).status).toBe(415);
    const huge = await post(server, certificate.caBundlePem, review({ ...POD, metadata: { name: 'x'.repeat(70 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(huge.body).toMatch(/larger than the 65536 (bytes )?allowed/);
    // Still serving afterwards.
    expect((await post(server, certificate.caBundlePem, review(POD))).status).toBe(200);
  });

  it('webhook - a renewed certificate is served to new connections', async () => {
    const before = (await post(server, certificate.caBundlePem, review(POD))).peerSerial;
    const renewed = await servingIssuerFromCa(() => ca, { namespace: 'weft-system', serviceAccount: 'weft-control-plane' }).issueServingCertificate([DNS_NAME]);
    server.setTls(renewed);
    const after = (await post(server, renewed.caBundlePem, review(POD))).peerSerial;
    expect(after).not.toBe(before);
    expect(after).toBe(new X509Certificate(renewed.chainPem).serialNumber);
  });

  it('webhook - a client that does not trust Weft’s CA cannot talk to it', async () => {
    const other = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    await expect(post(server, other.trustBundle.toPem(), review(POD))).rejects.toThrow(/certificate/);
  });
});
