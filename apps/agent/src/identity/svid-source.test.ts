import { KeyObject, X509Certificate } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, createSelfSignedRoot, generateKeyPair, parseSpiffeId, verifyCsr } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import type { Registry } from '@weft/telemetry';
import { checkAnswer, SvidAnswerError } from './answer-check.js';
import { CaRequestError } from './ca-client.js';
import type { CaAnswer } from './ca-client.js';
import { createIdentityMetrics } from './identity-metrics.js';
import { SvidSource } from './svid-source.js';
import type { Svid } from './svid-source.js';

// The CA here is @weft/pki's real one, signing in process; the e2e scenario runs the agent against the real
// certificate service and kube-apiserver.
const log = createLogger({ component: 'test', level: 'silent' });
const spiffeId = { trustDomain: 'test.local', namespace: 'shop', serviceAccount: 'cart' };
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
const sources: SvidSource[] = [];

async function sign(authority: CertificateAuthority, csrPem: string, as = spiffeId): Promise<CaAnswer> {
  const svid = await authority.issueSvid({ csrPem, spiffeId: as });
  return { certChain: [svid.certificatePem], trustBundle: svid.trustBundle.roots.map((r) => r.pem) };
}

function source(requestCertificate: (csr: string) => Promise<CaAnswer>, registry?: Registry): { source: SvidSource; events: Svid[] } {
  const events: Svid[] = [];
  const holder: { s?: SvidSource } = {};
  const s = new SvidSource({
    spiffeId,
    requestCertificate,
    log,
    backoff: { initialMs: 50, maxMs: 400 },
    random: () => 0.5,
    ...(registry === undefined ? {} : { metrics: createIdentityMetrics(registry, () => holder.s?.current?.notAfter) }),
  });
  holder.s = s;
  s.onSvid((svid) => events.push(svid));
  sources.push(s);
  return { source: s, events };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  // 4 s SVIDs: a rotation (at half-life, ±10 %) happens within the test.
  ca = await createSelfSignedRoot({ trustDomain: 'test.local', policy: { defaultLifetimeMs: 4_000, clockSkewMs: 0 } });
  otherCa = await createSelfSignedRoot({ trustDomain: 'test.local' });
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

describe('SVID source', () => {
  it('svid - obtains its SVID, tells listeners, and rotates with a new key before expiry', async () => {
    const csrs: string[] = [];
    const registry = createMetricsRegistry({ component: 'test' });
    const { source: s, events } = source(async (csr) => {
      csrs.push(csr);
      return sign(ca, csr);
    }, registry);
    s.start();
    const first = await until('the first SVID', () => events[0]);
    expect(first.spiffeId).toBe('spiffe://test.local/ns/shop/sa/cart');
    expect(new X509Certificate(first.certificatePem).subjectAltName).toBe('URI:spiffe://test.local/ns/shop/sa/cart');
    expect(parseSpiffeId(verifyCsr(csrs[0]!).spiffeId.uri).serviceAccount).toBe('cart');
    // Half-life (random 0.5: no jitter) from when it arrived.
    const planned = first.rotateAt.getTime() - first.receivedAt.getTime();
    expect(planned).toBeGreaterThan(1_000);
    expect(planned).toBeLessThan(2_200);
    expect(await metricValue(registry, 'weft_svid_expiry_seconds')).toBeGreaterThan(2);

    const second = await until('the rotated SVID', () => events[1]);
    expect(Date.now()).toBeLessThan(first.notAfter.getTime());
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect(second.privateKeyPem).not.toBe(first.privateKeyPem);
    expect(verifyCsr(csrs[1]!).publicKeySpki).not.toEqual(verifyCsr(csrs[0]!).publicKeySpki);
    expect(s.current).toBe(second);
    expect(await metricValue(registry, 'weft_svid_issued_total')).toBe(2);
  });

  it('svid - asks for the DNS names it is given, read at each attempt', async () => {
    const csrs: string[] = [];
    let names: string[] = [];
    const s = new SvidSource({
      spiffeId,
      requestCertificate: (csr) => {
        csrs.push(csr);
        return sign(ca, csr);
      },
      dnsNames: () => names,
      log,
      random: () => 0.5,
    });
    sources.push(s);
    s.start();
    await until('the first SVID', () => s.current);
    expect(verifyCsr(csrs[0]!).dnsNames).toEqual([]);
    names = ['9080.reviews.shop.svc.cluster.local', '9901.reviews-admin.shop.svc.cluster.local'];
    s.renew();
    await until('the second CSR', () => csrs[1]);
    expect(verifyCsr(csrs[1]!).dnsNames).toEqual(names);
    expect(verifyCsr(csrs[1]!).spiffeId.uri).toBe('spiffe://test.local/ns/shop/sa/cart');
  });

  it('svid - on CA failure keeps the current SVID, reports the error, backs off, and recovers', async () => {
    let failing = false;
    const attempts: number[] = [];
    const registry = createMetricsRegistry({ component: 'test' });
    const { source: s, events } = source(async (csr) => {
      attempts.push(Date.now());
      if (failing) throw new CaRequestError('UNAVAILABLE', 'connect ECONNREFUSED 10.0.0.1:15012');
      return sign(ca, csr);
    }, registry);
    s.start();
    const first = await until('the first SVID', () => events[0]);
    failing = true;
    const failedFrom = attempts.length;
    await until('three failed attempts', () => (attempts.length >= failedFrom + 3 ? true : undefined));
    expect(s.current).toBe(first);
    expect(s.lastError).toMatch(/cannot obtain an SVID for spiffe:\/\/test.local\/ns\/shop\/sa\/cart: UNAVAILABLE connect ECONNREFUSED/);
    expect(s.view()).toMatchObject({ serialNumber: first.serialNumber, failures: expect.any(Number) as number });
    expect(s.view().failures).toBeGreaterThanOrEqual(3);
    // 50 ms, then 100 ms, then 200 ms (random 0.5: no jitter): each pause longer than the last.
    const gaps = attempts.slice(failedFrom).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!)).slice(1);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]! * 1.5);
    expect(await metricValue(registry, 'weft_svid_rotation_failures_total', { code: 'UNAVAILABLE' })).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(s.view())).not.toContain('PRIVATE KEY');

    failing = false;
    const recovered = await until('a new SVID after the CA is back', () => events[1]);
    expect(recovered.serialNumber).not.toBe(first.serialNumber);
    expect(s.lastError).toBeNull();
    expect(s.view().failures).toBe(0);
  });

  it('svid - an answer for another identity or from another CA is refused and nothing is replaced', async () => {
    let mode: 'good' | 'other-identity' | 'other-ca' = 'good';
    const { source: s, events } = source(async (csr) => {
      if (mode === 'other-identity') {
        // A CA that signs whatever the CSR's key for someone else.
        return sign(ca, await createCsr({ keys: await generateKeyPair(), spiffeId: { ...spiffeId, serviceAccount: 'admin' } }), { ...spiffeId, serviceAccount: 'admin' });
      }
      const answer = await sign(ca, csr);
      return mode === 'other-ca' ? { ...answer, trustBundle: otherCa.trustBundle.roots.map((r) => r.pem) } : answer;
    });
    s.start();
    const first = await until('the first SVID', () => events[0]);
    mode = 'other-identity';
    await until('a refused answer', () => (s.lastError?.includes('BAD_ANSWER') === true ? true : undefined));
    expect(s.lastError).toMatch(/does not certify this agent’s key|is for URI:spiffe:\/\/test.local\/ns\/shop\/sa\/admin/);
    mode = 'other-ca';
    await until('a refused chain', () => (s.lastError?.includes('root of the returned trust bundle') === true ? true : undefined));
    expect(s.current).toBe(first);
    expect(events).toHaveLength(1);
  });
});

describe('SVID answer check', () => {
  it('answer - accepts our key and identity chained to the bundle, refuses anything else', async () => {
    const keys = await generateKeyPair();
    const privateKey = KeyObject.from(keys.privateKey);
    const csr = await createCsr({ keys, spiffeId });
    const good = await sign(ca, csr);
    const now = new Date();
    expect(checkAnswer(good, { spiffeId: 'spiffe://test.local/ns/shop/sa/cart', privateKey }, now).serialNumber).toMatch(/^[0-9A-F]+$/);

    const refuse = (answer: CaAnswer, message: RegExp, at = now): void => {
      expect(() => checkAnswer(answer, { spiffeId: 'spiffe://test.local/ns/shop/sa/cart', privateKey }, at)).toThrow(SvidAnswerError);
      expect(() => checkAnswer(answer, { spiffeId: 'spiffe://test.local/ns/shop/sa/cart', privateKey }, at)).toThrow(message);
    };
    refuse({ certChain: [], trustBundle: good.trustBundle }, /no certificate/);
    refuse({ certChain: good.certChain, trustBundle: [] }, /no trust bundle/);
    refuse({ certChain: ['garbage'], trustBundle: good.trustBundle }, /SVID in the answer is not a readable certificate/);
    refuse(await sign(ca, await createCsr({ keys: await generateKeyPair(), spiffeId })), /does not certify this agent’s key/);
    refuse({ certChain: good.certChain, trustBundle: otherCa.trustBundle.roots.map((r) => r.pem) }, /does not end in a root/);
    refuse(good, /not valid now/, new Date(now.getTime() + 3_600_000));
    expect(() => checkAnswer(good, { spiffeId: 'spiffe://test.local/ns/shop/sa/web', privateKey }, now)).toThrow(/is for URI:spiffe:\/\/test.local\/ns\/shop\/sa\/cart, not spiffe:\/\/test.local\/ns\/shop\/sa\/web/);
  });
});
