import { createCsr, createSelfSignedRoot, exportPrivateKeyPem, generateKeyPair } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import type { MeshSvid } from './mesh-tls-target.js';

/** A real SVID from a real CA (libs/pki), for the mesh-TLS tests. */
export async function issueTestSvid(ca: CertificateAuthority, dnsNames: readonly string[], serviceAccount = 'reviews'): Promise<MeshSvid> {
  const keys = await generateKeyPair();
  const spiffeId = { trustDomain: ca.trustDomain, namespace: 'default', serviceAccount };
  const issued = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId }), spiffeId, dnsNames });
  return {
    certificatePem: issued.certificatePem,
    chainPem: issued.chainPem,
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
    trustBundlePem: issued.trustBundle.roots.map((root) => root.pem).join(''),
    serialNumber: issued.serialNumber,
  };
}

export function testCa(): Promise<CertificateAuthority> {
  return createSelfSignedRoot({ trustDomain: 'cluster.local' });
}
