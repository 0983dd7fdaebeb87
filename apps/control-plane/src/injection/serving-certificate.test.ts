import { X509Certificate } from 'node:crypto';
import { createCsr, createSelfSignedRoot, exportPrivateKeyPem, generateKeyPair } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { createLogger } from '@weft/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../testing/wait-until.js';
import { RotatingCertificate, servingIssuerFromCa } from './serving-certificate.js';
import type { ServingCertificate, ServingCertificateIssuer } from './serving-certificate.js';

const log = createLogger({ component: 'test', level: 'silent' });
const IDENTITY = { namespace: 'weft-system', serviceAccount: 'weft-control-plane' };

/**
 * Weft's real CA issuing short-lived serving certificates, so renewal happens within the test. notBefore is the CA's
 * own: back-dated by its clock-skew allowance (5 minutes), far longer than these lifetimes.
 */
function shortLivedIssuer(ca: CertificateAuthority, lifetimeMs: number, failures = { left: 0 }): ServingCertificateIssuer & { calls: number } {
  const issuer = {
    calls: 0,
    async issueServingCertificate(dnsNames: readonly string[]): Promise<ServingCertificate> {
      issuer.calls++;
      if (failures.left > 0) {
        failures.left--;
        throw new Error('CA unavailable');
      }
      const spiffeId = { trustDomain: ca.trustDomain, ...IDENTITY };
      const keys = await generateKeyPair();
      const svid = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId, dnsNames }), spiffeId, dnsNames, lifetimeMs });
      return { keyPem: await exportPrivateKeyPem(keys.privateKey), chainPem: svid.chainPem, caBundlePem: svid.trustBundle.toPem(), notBefore: svid.notBefore, notAfter: svid.notAfter };
    },
  };
  return issuer;
}

describe('injection - serving certificate', () => {
  const started: RotatingCertificate[] = [];
  afterEach(() => {
    for (const r of started.splice(0)) r.stop();
  });

  it('servingIssuerFromCa - refuses a DNS name that is not a lowercase DNS name', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    await expect(servingIssuerFromCa(() => ca, IDENTITY).issueServingCertificate(['Bad_Name'])).rejects.toThrow('"Bad_Name" is not a valid lowercase DNS name');
  });

  it('rotating certificate - renews at about half the lifetime left at issuance, not half of the back-dated validity', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    const renewed: ServingCertificate[] = [];
    const issuedAt = Date.now();
    const rotating = await RotatingCertificate.start({ issuer: shortLivedIssuer(ca, 4_000), dnsNames: ['webhook.test'], log, onRenewed: (c) => renewed.push(c) });
    started.push(rotating);
    const first = rotating.current;
    // The CA back-dates notBefore by minutes: half of notBefore..notAfter lies in the past.
    expect(first.notBefore.getTime()).toBeLessThan(issuedAt - 60_000);
    await waitUntil('a renewal', () => renewed.length > 0, 6_000);
    const renewedAt = Date.now();
    // Half-life ± 10 % jitter of the validity left at issuance (notAfter has whole seconds, so a little under 4 s).
    const lifetime = first.notAfter.getTime() - issuedAt;
    expect(renewedAt).toBeGreaterThanOrEqual(issuedAt + 0.4 * lifetime - 50);
    expect(renewedAt).toBeLessThan(issuedAt + 0.6 * lifetime + 1_000);
    expect(rotating.current).toBe(renewed[0]);
    expect(new X509Certificate(rotating.current.chainPem).serialNumber).not.toBe(new X509Certificate(first.chainPem).serialNumber);
  });

  it('rotating certificate - a very short lifetime renews once per half-life, never in a loop', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    const issuer = shortLivedIssuer(ca, 2_000);
    const renewed: ServingCertificate[] = [];
    const rotating = await RotatingCertificate.start({ issuer, dnsNames: ['webhook.test'], log, onRenewed: (c) => renewed.push(c) });
    started.push(rotating);
    // Planned in the future (planning from the back-dated notBefore put it minutes in the past: an instant renewal,
    // whose certificate was due at once again).
    const startedAt = Date.now();
    expect(rotating.renewAt.getTime()).toBeGreaterThan(startedAt + 400);
    await waitUntil('two renewals', () => renewed.length >= 2, 6_000);
    // Each certificate lives ~1-2 s (whole seconds) and is renewed at 40-60 % of that: two renewals take ≥ 0.6 s.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(600);
    expect(issuer.calls).toBe(renewed.length + 1);
  });

  it('rotating certificate - a failed renewal keeps the current certificate and retries', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    const failures = { left: 0 };
    const issuer = shortLivedIssuer(ca, 2_000, failures);
    const renewed: ServingCertificate[] = [];
    const rotating = await RotatingCertificate.start({ issuer, dnsNames: ['webhook.test'], log, retryMs: 100, onRenewed: (c) => renewed.push(c) });
    started.push(rotating);
    const first = rotating.current;
    failures.left = 2;
    await waitUntil('a renewal after two failures', () => renewed.length > 0, 5_000);
    expect(issuer.calls).toBe(4); // the first issuance, two failures, the renewal
    expect(rotating.current).not.toBe(first);
  });
});
