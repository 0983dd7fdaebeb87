import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { parseSpiffeId } from './spiffe-id.js';
import type { SpiffeId } from './spiffe-id.js';

/** A peer certificate that carries no single workload SPIFFE ID, or one from another trust domain. */
export class CertificateIdentityError extends PkiError {
  override readonly name = 'CertificateIdentityError';
}

/**
 * The workload identity of a peer's leaf certificate (PEM), for a server that has already verified its chain:
 * exactly one URI SAN, a valid `spiffe://<td>/ns/<ns>/sa/<sa>`, in `trustDomain` when given. Throws
 * CertificateIdentityError (or SpiffeIdError for a malformed ID) naming what is wrong.
 */
export function spiffeIdOfCertificate(leafPem: string, trustDomain?: string): SpiffeId {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafPem);
  } catch (err) {
    throw new CertificateIdentityError(`not a certificate: ${(err as Error).message}`, { cause: err });
  }
  // Node prints SANs as "URI:…, DNS:…"; a SPIFFE ID holds no ", " (its characters are validated below).
  const uris = (leaf.subjectAltName ?? '').split(', ').filter((name) => name.startsWith('URI:'));
  if (uris.length !== 1) throw new CertificateIdentityError(`the certificate has ${uris.length} URI SANs, not exactly one SPIFFE ID`);
  const id = parseSpiffeId((uris[0] ?? '').slice('URI:'.length));
  if (trustDomain !== undefined && id.trustDomain !== trustDomain) {
    throw new CertificateIdentityError(`${id.uri} is not in trust domain "${trustDomain}"`);
  }
  return id;
}
