import { CertificateAuthority } from './authority.js';
import type { CaMaterial } from './authority.js';
import { TrustBundle } from './bundle.js';
import { importCaKeyPem } from './ca-key.js';
import { isIssuedBy, isValidAt, readCertificates } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';
import { CaError } from './errors.js';
import { resolvePolicy } from './policy.js';
import type { SvidPolicy } from './policy.js';
import { validateTrustDomain } from './spiffe-id.js';
import { subjectNameDer } from './svid.js';
import { x509 } from './x509.js';

export interface LoadPluggedCaOptions extends CaMaterial {
  readonly trustDomain: string;
  /** Roots trusted besides `rootCert`, e.g. the previous root during a root rotation. */
  readonly trustBundle?: TrustBundle;
  readonly policy?: SvidPolicy;
  /** When the CA must be valid; defaults to the clock. */
  readonly now?: Date;
}

const MAX_MATERIAL_PEM_LENGTH = 256 * 1024;

/**
 * Loads a CA from Istio's `cacerts` layout after checking it: the key matches ca.crt, ca.crt is a CA valid now, and
 * ca.crt → cert-chain.pem intermediates → a root of root-cert.pem is a chain of valid signatures. cert-chain.pem may
 * or may not repeat ca.crt first and the root last. Throws `CaError`.
 */
export async function loadPluggedCa(options: LoadPluggedCaOptions): Promise<CertificateAuthority> {
  const trustDomain = validateTrustDomain(options.trustDomain);
  const now = options.now ?? new Date();
  const caCert = single(certificates(options.caCert, 'ca.crt'), 'ca.crt');
  const chain = certificates(options.certChain, 'cert-chain.pem');
  const roots = certificates(options.rootCert, 'root-cert.pem');
  const signer = importCaKeyPem(options.caKey);
  if (!Buffer.from(signer.publicKeySpki).equals(caCert.node.publicKey.export({ format: 'der', type: 'spki' }))) {
    throw new CaError('key-mismatch', 'ca.key is not the private key of ca.crt');
  }
  requireSigningCa(caCert, 'ca.crt');
  for (const root of roots) requireSigningCa(root, 'root-cert.pem');
  if (!isValidAt(caCert, now)) {
    throw new CaError('expired', `ca.crt is not valid at ${now.toISOString()} (${caCert.node.validFrom} - ${caCert.node.validTo})`);
  }
  const { intermediates, anchor } = chainToRoot(caCert, chain, roots, now);
  const issuer = new x509.X509Certificate(caCert.der);
  // The leaf's AKI is the issuer's own SKI when it has one, so the two match whatever method made it.
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  const authorityKeyId = ski === null ? await issuer.publicKey.getKeyIdentifier() : Buffer.from(ski.keyId, 'hex');
  const ownRoots = TrustBundle.fromPem(roots.map((root) => root.pem).join(''));
  return new CertificateAuthority({
    trustDomain,
    signer,
    caCert,
    issuerName: subjectNameDer(caCert.der),
    authorityKeyId: new Uint8Array(authorityKeyId),
    intermediates,
    roots,
    anchor,
    trustBundle: options.trustBundle === undefined ? ownRoots : ownRoots.add(options.trustBundle),
    policy: resolvePolicy(options.policy),
  });
}

function certificates(pem: string, what: string): ParsedCertificate[] {
  if (pem.length > MAX_MATERIAL_PEM_LENGTH) throw new CaError('malformed', `${what} is larger than ${MAX_MATERIAL_PEM_LENGTH} bytes`);
  const read = readCertificates(pem, what);
  if (!read.ok) throw new CaError('malformed', read.message, { cause: read.cause });
  return read.certificates;
}

function single(certs: ParsedCertificate[], what: string): ParsedCertificate {
  const [cert, ...rest] = certs;
  if (cert === undefined || rest.length > 0) throw new CaError('malformed', `${what} must hold exactly one certificate`);
  return cert;
}

/** basicConstraints CA:TRUE, and keyCertSign when keyUsage is present. */
function requireSigningCa(cert: ParsedCertificate, what: string): void {
  const usage = new x509.X509Certificate(cert.der).getExtension(x509.KeyUsagesExtension);
  const canSign = usage === null || (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
  if (!cert.node.ca || !canSign) {
    throw new CaError('not-a-ca', `${what} "${cert.node.subject}" is not a CA certificate (CA:TRUE with keyCertSign)`);
  }
}

/** Walks ca.crt's issuers through the chain file to a root; every link is a verified signature. */
function chainToRoot(
  caCert: ParsedCertificate,
  chain: readonly ParsedCertificate[],
  roots: readonly ParsedCertificate[],
  now: Date,
): { intermediates: ParsedCertificate[]; anchor: ParsedCertificate } {
  const rootPrints = new Set(roots.map((root) => root.fingerprint));
  const between = chain.filter((cert) => cert.fingerprint !== caCert.fingerprint && !rootPrints.has(cert.fingerprint));
  const intermediates: ParsedCertificate[] = [];
  let current = caCert;
  for (;;) {
    if (rootPrints.has(current.fingerprint)) return { intermediates, anchor: current };
    const root = roots.find((candidate) => isIssuedBy(current, candidate));
    if (root !== undefined) {
      if (intermediates.length !== between.length) {
        throw new CaError('chain-broken', 'cert-chain.pem holds certificates that are not on the path from ca.crt to the root');
      }
      return { intermediates, anchor: root };
    }
    const next = between[intermediates.length];
    if (next === undefined || !isIssuedBy(current, next)) {
      throw new CaError(
        'chain-broken',
        `"${current.node.subject}" is not signed by ${next === undefined ? 'any root of root-cert.pem' : `the next certificate of cert-chain.pem ("${next.node.subject}")`}`,
      );
    }
    requireSigningCa(next, 'cert-chain.pem');
    if (!isValidAt(next, now)) throw new CaError('expired', `intermediate "${next.node.subject}" is not valid now`);
    intermediates.push(next);
    current = next;
  }
}
