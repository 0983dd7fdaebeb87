import { createHash, X509Certificate } from 'node:crypto';
import { decodePemBlocks, encodePem } from './pem.js';

/** One certificate read from PEM, canonically re-encoded, with the facts this library checks. */
export interface ParsedCertificate {
  readonly pem: string;
  readonly der: Uint8Array<ArrayBuffer>;
  /** SHA-256 of the DER, lowercase hex without separators. */
  readonly fingerprint: string;
  readonly node: X509Certificate;
}

/** Result of reading certificates: the list, or why it could not be read. */
export type ReadCertificates =
  | { readonly ok: true; readonly certificates: ParsedCertificate[] }
  | { readonly ok: false; readonly problem: 'not-pem' | 'malformed'; readonly message: string; readonly cause?: unknown };

/** Reads every `CERTIFICATE` block of `text`; any other block or unreadable DER makes the whole input bad. */
export function readCertificates(text: string, what: string): ReadCertificates {
  const blocks = decodePemBlocks(text);
  if (blocks === undefined) return { ok: false, problem: 'not-pem', message: `${what} holds no PEM block` };
  const certificates: ParsedCertificate[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.label !== 'CERTIFICATE') {
      return { ok: false, problem: 'not-pem', message: `${what} block ${index + 1} is "${block.label}", not a CERTIFICATE` };
    }
    try {
      certificates.push(parsedCertificate(block.der));
    } catch (cause) {
      return { ok: false, problem: 'malformed', message: `${what} block ${index + 1} is not an X.509 certificate`, cause };
    }
  }
  return { ok: true, certificates };
}

export function parsedCertificate(der: Uint8Array<ArrayBuffer>): ParsedCertificate {
  const node = new X509Certificate(der);
  return {
    pem: encodePem('CERTIFICATE', der),
    der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    node,
  };
}

/** True when `issuer`'s name matches `cert`'s issuer and its key verifies `cert`'s signature. */
export function isIssuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return cert.node.checkIssued(issuer.node) && cert.node.verify(issuer.node.publicKey);
}

/** Whether the certificate's validity period covers `now`. */
export function isValidAt(cert: ParsedCertificate, now: Date): boolean {
  return new Date(cert.node.validFrom) <= now && now <= new Date(cert.node.validTo);
}
