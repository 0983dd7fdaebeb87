import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A PEM certificate with its PEM (PKCS#8) private key. */
export interface CertKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ClusterCertificates {
  readonly ca: CertKeyPair;
  /** kube-apiserver's serving certificate for 127.0.0.1 / localhost. */
  readonly serving: CertKeyPair;
  /** A client certificate in `system:masters`: the harness's cluster-admin. */
  readonly admin: CertKeyPair;
  /** ServiceAccount token signing key (PKCS#8) and its public key (SPKI). */
  readonly serviceAccountKeyPem: string;
  readonly serviceAccountPublicPem: string;
}

function pem(tag: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${tag}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${tag}-----\n`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function leaf(
  ca: { cert: x509.X509Certificate; key: CryptoKey },
  subject: string,
  usages: string[],
  sans: x509.JsonGeneralName[],
): Promise<CertKeyPair> {
  const keys = await keyPair();
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** Generates the certificates one test cluster needs, all ECDSA P-256, valid for a day. */
export async function generateClusterCertificates(): Promise<ClusterCertificates> {
  const caKeys = await keyPair();
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=weft-e2e-cluster-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY),
    signingAlgorithm: alg,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const ca = { cert: caCert, key: caKeys.privateKey };
  const serving = await leaf(ca, 'CN=kube-apiserver', [x509.ExtendedKeyUsage.serverAuth], [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'dns', value: 'localhost' },
    { type: 'dns', value: 'kubernetes.default.svc' },
  ]);
  const admin = await leaf(ca, 'CN=weft-e2e-admin, O=system:masters', [x509.ExtendedKeyUsage.clientAuth], []);
  const saKeys = await keyPair();
  return {
    ca: { certPem: caCert.toString('pem'), keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey)) },
    serving,
    admin,
    serviceAccountKeyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', saKeys.privateKey)),
    serviceAccountPublicPem: pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', saKeys.publicKey)),
  };
}
