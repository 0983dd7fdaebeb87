import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from './authority.js';
import { MAX_BUNDLE_PEM_LENGTH, TrustBundle } from './bundle.js';
import { createCsr } from './csr.js';
import { BundleError } from './errors.js';
import { generateKeyPair } from './keys.js';
import { createSelfSignedRoot } from './root-ca.js';

describe('TrustBundle', () => {
  let a: CertificateAuthority;
  let b: CertificateAuthority;
  let c: CertificateAuthority;
  beforeAll(async () => {
    a = await createSelfSignedRoot({ trustDomain: 'example.org' });
    b = await createSelfSignedRoot({ trustDomain: 'example.org' });
    c = await createSelfSignedRoot({ trustDomain: 'example.org' });
  });

  it('holds several roots at once, deduplicated by fingerprint, in canonical order', () => {
    const forward = TrustBundle.fromPem(a.certificatePem).add(b.certificatePem).add(c.certificatePem).add(a.certificatePem);
    const backward = TrustBundle.fromPem(c.certificatePem + b.certificatePem + a.certificatePem + b.certificatePem);
    expect(forward.size).toBe(3);
    expect(forward.toPem()).toBe(backward.toPem());
    expect(forward.equals(backward)).toBe(true);
    expect([...forward.fingerprints].sort()).toEqual(forward.fingerprints);
    expect(forward.fingerprints.every((print) => /^[0-9a-f]{64}$/.test(print))).toBe(true);
  });

  it('removes a root by fingerprint or by PEM, for the end of a root rotation', () => {
    const all = TrustBundle.fromPem(a.certificatePem + b.certificatePem);
    const printA = TrustBundle.fromPem(a.certificatePem).fingerprints[0]!;
    expect(all.remove(printA).toPem()).toBe(b.certificatePem);
    expect(all.remove(printA.toUpperCase()).has(printA)).toBe(false);
    expect(all.remove(b.certificatePem).toPem()).toBe(a.certificatePem);
    expect(all.remove('00'.repeat(32)).size).toBe(2);
    // Immutable: the original is unchanged.
    expect(all.size).toBe(2);
    expect(Object.isFrozen(all)).toBe(true);
  });

  it('merges bundles and drops expired roots', async () => {
    const old = await createSelfSignedRoot({ trustDomain: 'example.org', lifetimeMs: 1000, now: new Date('2025-01-01T00:00:00Z') });
    const merged = a.trustBundle.add(old.trustBundle);
    expect(merged.size).toBe(2);
    expect(merged.withoutExpired(new Date()).equals(a.trustBundle)).toBe(true);
    expect(merged.roots.map((root) => root.subject)).toContain(old.trustBundle.roots[0]!.subject);
  });

  it('normalises PEM text (line endings, wrapping, text between blocks)', () => {
    const crlf = `junk before\r\n${a.certificatePem.replace(/\n/g, '\r\n')}junk after\n`;
    expect(TrustBundle.fromPem(crlf).toPem()).toBe(a.certificatePem);
  });

  it('refuses leaf certificates, garbage and oversized input', async () => {
    const svid = await a.issueSvid({
      csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: { trustDomain: 'example.org', namespace: 'a', serviceAccount: 'b' } }),
      spiffeId: { trustDomain: 'example.org', namespace: 'a', serviceAccount: 'b' },
    });
    expect(() => TrustBundle.fromPem(svid.certificatePem)).toThrow(BundleError);
    expect(() => TrustBundle.fromPem(svid.certificatePem)).toThrow(/is not a CA/);
    expect(() => TrustBundle.fromPem('garbage')).toThrow(expect.objectContaining({ reason: 'not-pem' }));
    expect(() => TrustBundle.fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(
      expect.objectContaining({ reason: 'malformed' }),
    );
    expect(() => TrustBundle.fromPem('x'.repeat(MAX_BUNDLE_PEM_LENGTH + 1))).toThrow(
      expect.objectContaining({ reason: 'too-large' }),
    );
    expect(TrustBundle.empty().size).toBe(0);
  });
});
