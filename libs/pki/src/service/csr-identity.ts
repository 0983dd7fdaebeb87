import { verifyCsr } from '../csr.js';
import type { VerifiedCsr } from '../csr.js';
import { CsrError, IssuanceError } from '../errors.js';
import { toSpiffeId } from '../spiffe-id.js';
import type { SpiffeIdParts } from '../spiffe-id.js';
import { x509 } from '../x509.js';

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

export interface CsrIdentityCheck {
  readonly csrPem: string;
  /** The identity the caller authenticated (the token's namespace and ServiceAccount in the trust domain). */
  readonly spiffeId: SpiffeIdParts;
  /** DNS SANs the caller may have; the CSR may ask for a subset of them, never others. */
  readonly dnsNames?: readonly string[];
}

/**
 * For a signer that certifies the CSR as it is (cert-manager copies its subject and names into the certificate),
 * checks the CSR asks for exactly what the caller is authorised for, before anyone signs: verifyCsr's checks, then
 * the one URI SAN is the caller's own SPIFFE ID, DNS names only granted ones, an empty subject, and no requested
 * extension besides subjectAltName. Throws CsrError (a malformed or over-reaching CSR) or IssuanceError
 * (identity-mismatch, trust-domain-mismatch, names-not-granted), the errors the in-process CA throws for the same.
 */
export function checkCsrIdentity(check: CsrIdentityCheck): VerifiedCsr {
  const authorised = toSpiffeId(check.spiffeId);
  const csr = verifyCsr(check.csrPem);
  if (csr.spiffeId.uri !== authorised.uri) {
    const reason = csr.spiffeId.trustDomain === authorised.trustDomain ? 'identity-mismatch' : 'trust-domain-mismatch';
    throw new IssuanceError(reason, `CSR asks for ${csr.spiffeId.uri} but the caller is authorised for ${authorised.uri}`);
  }
  const granted = check.dnsNames ?? [];
  const refused = csr.dnsNames.filter((name) => !granted.includes(name));
  if (refused.length > 0) {
    throw new IssuanceError('names-not-granted', `CSR asks for DNS names the CA does not grant: ${refused.join(', ')}`);
  }
  const parsed = new x509.Pkcs10CertificateRequest(check.csrPem);
  if (parsed.subject !== '') {
    throw new CsrError('subject-not-empty', `CSR has the subject "${parsed.subject}"; an SVID's subject is empty (the identity is the URI SAN)`);
  }
  const others = parsed.extensions.map((extension) => extension.type).filter((type) => type !== SUBJECT_ALT_NAME_OID);
  if (others.length > 0) {
    throw new CsrError('unsupported-extension', `CSR requests extensions other than subjectAltName (${others.join(', ')}); the signer decides usages and constraints`);
  }
  return csr;
}
