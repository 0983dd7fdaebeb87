import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from './authority.js';
import { createCsr } from './csr.js';
import { CsrError, IssuanceError } from './errors.js';
import type { IssuanceProblem } from './errors.js';
import { generateKeyPair, P256_SIGNING_ALGORITHM } from './keys.js';
import { DAY_MS, HOUR_MS } from './policy.js';
import { createSelfSignedRoot } from './root-ca.js';
import { x509 } from './x509.js';

const cart = { trustDomain: 'example.org', namespace: 'shop', serviceAccount: 'cart' };
const now = new Date('2026-06-01T12:00:00Z');

async function csrFor(spiffeId = cart, dnsNames: string[] = []): Promise<string> {
  return createCsr({ keys: await generateKeyPair(), spiffeId, dnsNames });
}

async function reasonOf(run: Promise<unknown>): Promise<IssuanceProblem | undefined> {
  try {
    await run;
  } catch (error) {
    if (error instanceof IssuanceError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('CertificateAuthority.issueSvid', () => {
  let ca: CertificateAuthority;
  beforeAll(async () => {
    ca = await createSelfSignedRoot({ trustDomain: 'example.org', now: new Date('2026-01-01T00:00:00Z') });
  });

  it('issues an SVID with exactly the identity and names the CA grants and the SVID extensions', async () => {
    const svid = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, dnsNames: ['cart.shop.svc'], now });
    const cert = new x509.X509Certificate(svid.certificatePem);
    expect(cert.subject).toBe('');
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.critical).toBe(true);
    expect(san?.names.toJSON()).toEqual([
      { type: 'url', value: 'spiffe://example.org/ns/shop/sa/cart' },
      { type: 'dns', value: 'cart.shop.svc' },
    ]);
    const usage = cert.getExtension(x509.KeyUsagesExtension);
    expect(usage?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(usage?.critical).toBe(true);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    const constraints = cert.getExtension(x509.BasicConstraintsExtension);
    expect(constraints?.ca).toBe(false);
    expect(constraints?.critical).toBe(true);
    const root = new x509.X509Certificate(ca.certificatePem);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
      root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toBe(
      Buffer.from(await cert.publicKey.getKeyIdentifier()).toString('hex'),
    );
    expect(await cert.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(svid.spiffeId.uri).toBe('spiffe://example.org/ns/shop/sa/cart');
    expect(svid.dnsNames).toEqual(['cart.shop.svc']);
  });

  it('gives only the DNS names it grants, even when the CSR asks for none', async () => {
    const svid = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, dnsNames: ['b.x', 'a.x', 'a.x'], now });
    expect(new X509Certificate(svid.certificatePem).subjectAltName).toBe(
      'URI:spiffe://example.org/ns/shop/sa/cart, DNS:a.x, DNS:b.x',
    );
  });

  it('defaults to 24 h, backdates notBefore for clock skew, and bounds the lifetime by the max', async () => {
    const svid = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, now });
    expect(svid.notBefore.getTime()).toBe(now.getTime() - 5 * 60 * 1000);
    expect(svid.notAfter.getTime()).toBe(now.getTime() + DAY_MS);
    const long = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, lifetimeMs: 365 * DAY_MS, now });
    expect(long.notAfter.getTime()).toBe(now.getTime() + 7 * DAY_MS);
  });

  it('never outlives its CA', async () => {
    const shortCa = await createSelfSignedRoot({ trustDomain: 'example.org', lifetimeMs: 2 * HOUR_MS, now });
    const svid = await shortCa.issueSvid({ csrPem: await csrFor(), spiffeId: cart, now });
    expect(svid.notAfter).toEqual(shortCa.notAfter);
    expect(svid.notAfter.getTime()).toBeLessThan(now.getTime() + DAY_MS);
  });

  it('writes validity across 2050 (UTCTime then GeneralizedTime) that node:crypto reads back', async () => {
    const late = new Date('2049-12-31T12:00:00Z');
    const lateCa = await createSelfSignedRoot({ trustDomain: 'example.org', now: late });
    const svid = await lateCa.issueSvid({ csrPem: await csrFor(), spiffeId: cart, now: late });
    const cert = new X509Certificate(svid.certificatePem);
    expect(new Date(cert.validFrom)).toEqual(new Date('2049-12-31T11:55:00Z'));
    expect(new Date(cert.validTo)).toEqual(new Date('2050-01-01T12:00:00Z'));
    expect(cert.verify(new X509Certificate(lateCa.certificatePem).publicKey)).toBe(true);
  });

  it('uses a configurable policy', async () => {
    const strict = await createSelfSignedRoot({
      trustDomain: 'example.org',
      now,
      policy: { defaultLifetimeMs: HOUR_MS, maxLifetimeMs: 2 * HOUR_MS, clockSkewMs: 0 },
    });
    const svid = await strict.issueSvid({ csrPem: await csrFor(), spiffeId: cart, lifetimeMs: 5 * HOUR_MS, now });
    expect(svid.notBefore).toEqual(now);
    expect(svid.notAfter.getTime()).toBe(now.getTime() + 2 * HOUR_MS);
  });

  it('gives each SVID a random positive 128-bit serial, printed as OpenSSL prints it', async () => {
    const serials = new Set<string>();
    // 64 serials: a first byte below 0x10 (printed "0A…", not "A…") turns up with probability ~98%.
    for (let i = 0; i < 64; i++) {
      const svid = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, now });
      const serial = BigInt(`0x${svid.serialNumber}`);
      expect(serial > 0n && serial < 2n ** 128n).toBe(true);
      expect(svid.serialNumber).toBe(new X509Certificate(svid.certificatePem).serialNumber);
      serials.add(svid.serialNumber);
    }
    expect(serials.size).toBe(64);
  });

  it('returns the chain (the leaf alone under a self-signed root) and the trust bundle', async () => {
    const svid = await ca.issueSvid({ csrPem: await csrFor(), spiffeId: cart, now });
    expect(svid.chainPem).toBe(svid.certificatePem);
    expect(svid.trustBundle.toPem()).toBe(ca.certificatePem);
  });

  it('refuses a CSR whose SPIFFE ID is not the authorised identity', async () => {
    const admin = { ...cart, serviceAccount: 'admin' };
    const run = ca.issueSvid({ csrPem: await csrFor(admin), spiffeId: cart, now });
    expect(await reasonOf(run)).toBe('identity-mismatch');
    await expect(ca.issueSvid({ csrPem: await csrFor(admin), spiffeId: cart, now })).rejects.toThrow(
      'CSR asks for spiffe://example.org/ns/shop/sa/admin but the caller is authorised for spiffe://example.org/ns/shop/sa/cart',
    );
  });

  it('refuses a CSR asking for DNS names the CA does not grant', async () => {
    const csrPem = await csrFor(cart, ['cart.shop.svc', 'bank.example.com']);
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, dnsNames: ['cart.shop.svc'], now }))).toBe(
      'names-not-granted',
    );
    await expect(ca.issueSvid({ csrPem, spiffeId: cart, now })).rejects.toThrow(
      'CSR asks for DNS names the CA does not grant: cart.shop.svc, bank.example.com',
    );
  });

  it('refuses a wrong trust domain, in the CSR or in the authorised identity', async () => {
    const other = { ...cart, trustDomain: 'evil.org' };
    expect(await reasonOf(ca.issueSvid({ csrPem: await csrFor(other), spiffeId: cart, now }))).toBe(
      'trust-domain-mismatch',
    );
    expect(await reasonOf(ca.issueSvid({ csrPem: await csrFor(other), spiffeId: other, now }))).toBe(
      'trust-domain-mismatch',
    );
  });

  it('passes CSR problems through as CsrError: two URI SANs, garbage, a non-P-256 key', async () => {
    const twoUris = await x509.Pkcs10CertificateRequestGenerator.create({
      keys: await generateKeyPair(),
      signingAlgorithm: P256_SIGNING_ALGORITHM,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: 'spiffe://example.org/ns/shop/sa/cart' },
          { type: 'url', value: 'spiffe://example.org/ns/shop/sa/admin' },
        ]),
      ],
    });
    await expect(ca.issueSvid({ csrPem: twoUris.toString('pem'), spiffeId: cart, now })).rejects.toMatchObject({
      name: 'CsrError',
      reason: 'multiple-uri-sans',
    });
    await expect(ca.issueSvid({ csrPem: 'garbage', spiffeId: cart, now })).rejects.toBeInstanceOf(CsrError);
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const p384Csr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys: p384,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org/ns/shop/sa/cart' }])],
    });
    await expect(ca.issueSvid({ csrPem: p384Csr.toString('pem'), spiffeId: cart, now })).rejects.toMatchObject({
      reason: 'unsupported-key',
    });
  });

  it('refuses bad DNS names, bad lifetimes and a time outside the CA validity', async () => {
    const csrPem = await csrFor();
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, dnsNames: ['*.shop.svc'], now }))).toBe('bad-dns-name');
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, dnsNames: ['Cart.Shop'], now }))).toBe('bad-dns-name');
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, lifetimeMs: 0, now }))).toBe('bad-lifetime');
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, lifetimeMs: Number.NaN, now }))).toBe('bad-lifetime');
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, now: new Date('2020-01-01T00:00:00Z') }))).toBe(
      'ca-not-valid',
    );
    expect(await reasonOf(ca.issueSvid({ csrPem, spiffeId: cart, now: new Date('2040-01-01T00:00:00Z') }))).toBe(
      'ca-not-valid',
    );
  });
});
