import { statSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { SignerError } from './cert-manager-signer.js';
import type { SignedCertificate } from './cert-manager-signer.js';

/** One PEM certificate per entry, as WeftCertificateResponse lists them (anything else in the text is dropped). */
export function certificatesIn(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => `${block}\n`);
}

/** The answer to an agent: its chain without the root, and the roots its peers' chains may end in. */
export interface SvidAnswer {
  readonly certChain: readonly string[];
  readonly trustBundle: readonly string[];
  readonly leaf: X509Certificate;
}

/**
 * Turns what cert-manager returned into the answer, after checking it: the leaf carries exactly the SPIFFE ID asked
 * for as its URI SAN, and the chain verifies link by link up to one of the roots. The roots are `roots` when the
 * operator configured them, else the issuer's `status.ca`; roots that cert-manager appended to the chain are left out
 * of it (the contract: "intermediates up to, not including, the root"). Throws SignerError('failed').
 */
export function answerOf(signed: SignedCertificate, spiffeId: string, roots?: readonly string[]): SvidAnswer {
  const bundle = roots ?? certificatesIn(signed.caPem);
  if (bundle.length === 0) {
    throw new SignerError('failed', `the issuer returned no CA in CertificateRequest ${signed.requestName} (status.ca) and no --trust-bundle-file is set: agents would have nothing to trust`);
  }
  const rootCerts = bundle.map((pem) => new X509Certificate(pem));
  const rootPrints = new Set(rootCerts.map((cert) => cert.fingerprint256));
  const chain = certificatesIn(signed.certificatePem)
    .map((pem) => ({ pem, cert: new X509Certificate(pem) }))
    .filter(({ cert }) => !rootPrints.has(cert.fingerprint256));
  const leaf = chain[0];
  if (leaf === undefined) throw new SignerError('failed', `CertificateRequest ${signed.requestName} was issued without a certificate`);
  const sans = (leaf.cert.subjectAltName ?? '').split(', ');
  const uris = sans.filter((san) => san.startsWith('URI:'));
  if (uris.length !== 1 || uris[0] !== `URI:${spiffeId}`) {
    throw new SignerError('failed', `the issuer's certificate names ${uris.join(', ') || 'no URI'} instead of ${spiffeId} alone; it is not returned`);
  }
  for (let i = 0; i < chain.length; i++) {
    const child = chain[i]?.cert;
    const parent = chain[i + 1]?.cert;
    const ok = child !== undefined && (parent === undefined ? rootCerts.some((root) => child.checkIssued(root) && child.verify(root.publicKey)) : child.checkIssued(parent) && child.verify(parent.publicKey));
    if (!ok) throw new SignerError('failed', `the certificate of CertificateRequest ${signed.requestName} does not chain to the trust bundle (link ${i})`);
  }
  return { certChain: chain.map(({ pem }) => pem), trustBundle: bundle, leaf: leaf.cert };
}

/** A PEM bundle file, re-read when its modification time or size changes (a mounted Secret is replaced in place). */
export class TrustBundleFile {
  #stamp = '';
  #roots: readonly string[] = [];

  constructor(readonly path: string) {}

  /** The roots in the file now; throws when it cannot be read or holds no certificate. */
  roots(): readonly string[] {
    const stat = statSync(this.path);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    if (stamp !== this.#stamp) {
      const roots = certificatesIn(readFileSync(this.path, 'utf8'));
      if (roots.length === 0) throw new Error(`${this.path} holds no PEM certificate`);
      this.#roots = roots;
      this.#stamp = stamp;
    }
    return this.#roots;
  }
}
