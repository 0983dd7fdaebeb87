import { describe, expect, it } from 'vitest';
import { CertificateIdentityError, spiffeIdOfCertificate } from './certificate-identity.js';
import { createCsr } from './csr.js';
import { generateKeyPair } from './keys.js';
import { createSelfSignedRoot } from './root-ca.js';

describe('spiffeIdOfCertificate', () => {
  it('certificate identity - reads the SPIFFE ID of an SVID, and refuses another trust domain or a certificate without one', async () => {
    const ca = await createSelfSignedRoot({ trustDomain: 'mesh.test' });
    const keys = await generateKeyPair();
    const spiffeId = { trustDomain: 'mesh.test', namespace: 'shop', serviceAccount: 'web' };
    const svid = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId }), spiffeId });
    expect(spiffeIdOfCertificate(svid.certificatePem, 'mesh.test')).toEqual({ ...spiffeId, uri: 'spiffe://mesh.test/ns/shop/sa/web' });
    expect(spiffeIdOfCertificate(svid.certificatePem).uri).toBe('spiffe://mesh.test/ns/shop/sa/web');
    expect(() => spiffeIdOfCertificate(svid.certificatePem, 'other.test')).toThrow(/not in trust domain "other.test"/);
    // The root names only the trust domain: no workload identity.
    expect(() => spiffeIdOfCertificate(ca.certificatePem)).toThrow(/does not have the path \/ns/);
    expect(() => spiffeIdOfCertificate('garbage')).toThrow(CertificateIdentityError);
    expect(() => spiffeIdOfCertificate('garbage')).toThrow(/not a certificate/);
  });
});
