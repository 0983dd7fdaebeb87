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

/** Weft's real CA issuing short-lived serving certificates, so renewal happens within the test. */
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
      // Backdated by the CA's clock skew allowance; start the lifetime now so renewal is due at half of it.
      const now = new Date();
      const svid = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId, dnsNames }), spiffeId, dnsNames, lifetimeMs, now });
      return { keyPem: await exportPrivateKeyPem(keys.privateKey), chainPem: svid.chainPem, caBundlePem: svid.trustBundle.toPem(), notBefore: now, notAfter: svid.notAfter };
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

  it('rotating certificate - renews at about half its lifetime and reports the new one', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'cluster.local' });
    const renewed: ServingCertificate[] = [];
    const rotating = await RotatingCertificate.start({ issuer: shortLivedIssuer(ca, 4_000), dnsNames: ['webhook.test'], log, onRenewed: (c) => renewed.push(c) });
    started.push(rotating);
    const first = rotating.current;
    await waitUntil('a renewal', () => renewed.length > 0, 6_000);
    const renewedAt = Date.now();
    // Half-life ± 10 % jitter of the first certificate's own lifetime (whole seconds, so a little under 4 s).
    const lifetime = first.notAfter.getTime() - first.notBefore.getTime();
    expect(renewedAt).toBeGreaterThanOrEqual(first.notBefore.getTime() + 0.4 * lifetime);
    expect(renewedAt).toBeLessThan(first.notBefore.getTime() + 0.6 * lifetime + 500);
    expect(rotating.current).toBe(renewed[0]);
    expect(new X509Certificate(rotating.current.chainPem).serialNumber).not.toBe(new X509Certificate(first.chainPem).serialNumber);
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
