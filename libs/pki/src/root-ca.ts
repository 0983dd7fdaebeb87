import type { CertificateAuthority } from './authority.js';
import type { TrustBundle } from './bundle.js';
import { CaError } from './errors.js';
import { exportPrivateKeyPem, generateKeyPair, P256_SIGNING_ALGORITHM } from './keys.js';
import { encodePem } from './pem.js';
import { loadPluggedCa } from './plugged-ca.js';
import { DEFAULT_ROOT_LIFETIME_MS } from './policy.js';
import type { SvidPolicy } from './policy.js';
import { validateTrustDomain } from './spiffe-id.js';
import { x509 } from './x509.js';

export interface SelfSignedRootOptions {
  readonly trustDomain: string;
  /** Root lifetime in milliseconds; ten years by default. */
  readonly lifetimeMs?: number;
  readonly now?: Date;
  /** Roots trusted besides the new one, e.g. the previous root during a root rotation. */
  readonly trustBundle?: TrustBundle;
  readonly policy?: SvidPolicy;
}

// Set back like SVIDs so a freshly generated root is valid on peers whose clocks run a little behind.
const ROOT_BACKDATE_MS = 60 * 60 * 1000;

/**
 * Generates a P-256 self-signed root for the trust domain, the CA Weft uses when the user plugs in none. Keep it
 * with `exportMaterial()` (e.g. in a Secret) and load it back with `loadPluggedCa`.
 */
export async function createSelfSignedRoot(options: SelfSignedRootOptions): Promise<CertificateAuthority> {
  const trustDomain = validateTrustDomain(options.trustDomain);
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_ROOT_LIFETIME_MS;
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) {
    throw new CaError('bad-lifetime', `root lifetime must be a positive number of milliseconds, got ${lifetimeMs}`);
  }
  const now = options.now ?? new Date();
  const keys = await generateKeyPair();
  const keyId = Buffer.from(await (await x509.PublicKey.create(keys.publicKey)).getKeyIdentifier()).toString('hex');
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    keys,
    signingAlgorithm: P256_SIGNING_ALGORITHM,
    // The key id in the name keeps successive roots of one trust domain apart during a rotation.
    name: [{ O: ['Weft'] }, { CN: [`Weft root CA ${keyId.slice(0, 16)}`] }],
    serialNumber: Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('hex'),
    notBefore: new Date(now.getTime() - ROOT_BACKDATE_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.SubjectKeyIdentifierExtension(keyId),
      // SPIFFE lets signing certificates carry the trust domain's own ID.
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
    ],
  });
  const certPem = encodePem('CERTIFICATE', root.rawData);
  return loadPluggedCa({
    trustDomain,
    caCert: certPem,
    caKey: await exportPrivateKeyPem(keys.privateKey),
    certChain: certPem,
    rootCert: certPem,
    now,
    ...(options.trustBundle === undefined ? {} : { trustBundle: options.trustBundle }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
}
