import { createHash, randomBytes } from 'node:crypto';
import type { CaState, IssuedSvid, IssueSvidRequest } from './authority.js';
import { isValidAt } from './certificate.js';
import { verifyCsr } from './csr.js';
import {
  ascii,
  bitString,
  booleanTrue,
  bytesOf,
  children,
  contentOf,
  explicit,
  implicit,
  objectIdentifier,
  octetString,
  readElement,
  sequence,
  time,
  tlv,
  unsignedInteger,
} from './der.js';
import { IssuanceError } from './errors.js';
import { isDnsName } from './names.js';
import { encodePem } from './pem.js';
import { toSpiffeId } from './spiffe-id.js';

/** Builds and signs an X.509 SVID after checking the request against what the caller authorised. */
export function issueSvidCertificate(state: CaState, request: IssueSvidRequest): IssuedSvid {
  const now = request.now ?? new Date();
  const spiffeId = toSpiffeId(request.spiffeId);
  if (spiffeId.trustDomain !== state.trustDomain) {
    throw new IssuanceError(
      'trust-domain-mismatch',
      `identity ${spiffeId.uri} is not in this CA's trust domain "${state.trustDomain}"`,
    );
  }
  const dnsNames = grantedDnsNames(request.dnsNames ?? []);
  const lifetimeMs = boundedLifetime(request.lifetimeMs ?? state.policy.defaultLifetimeMs, state.policy.maxLifetimeMs);
  if (!isValidAt(state.caCert, now)) {
    throw new IssuanceError('ca-not-valid', `CA certificate is not valid at ${now.toISOString()}`);
  }

  const csr = verifyCsr(request.csrPem);
  if (csr.spiffeId.uri !== spiffeId.uri) {
    const reason = csr.spiffeId.trustDomain === state.trustDomain ? 'identity-mismatch' : 'trust-domain-mismatch';
    throw new IssuanceError(reason, `CSR asks for ${csr.spiffeId.uri} but the caller is authorised for ${spiffeId.uri}`);
  }
  const refused = csr.dnsNames.filter((name) => !dnsNames.includes(name));
  if (refused.length > 0) {
    throw new IssuanceError('names-not-granted', `CSR asks for DNS names the CA does not grant: ${refused.join(', ')}`);
  }

  const caNotBefore = new Date(state.caCert.node.validFrom).getTime();
  const caNotAfter = new Date(state.caCert.node.validTo).getTime();
  // Certificates carry whole seconds.
  const notBefore = wholeSeconds(Math.max(now.getTime() - state.policy.clockSkewMs, caNotBefore));
  const notAfter = wholeSeconds(Math.min(now.getTime() + lifetimeMs, caNotAfter));
  const serial = randomBytes(16);
  const tbs = sequence(
    explicit(0, tlv(0x02, Uint8Array.of(2))), // v3
    unsignedInteger(serial),
    state.signer.signatureAlgorithm,
    state.issuerName,
    sequence(time(notBefore), time(notAfter)),
    // Empty subject, as SPIFFE recommends: the identity is the URI SAN alone, so the SAN is critical.
    sequence(),
    csr.publicKeySpki,
    explicit(3, sequence(...svidExtensions(state, csr.publicKeySpki, spiffeId.uri, dnsNames))),
  );
  const der = sequence(tbs, state.signer.signatureAlgorithm, bitString(state.signer.sign(tbs)));
  const certificatePem = encodePem('CERTIFICATE', der);
  const above = state.anchor.fingerprint === state.caCert.fingerprint ? [] : [state.caCert, ...state.intermediates];
  return {
    spiffeId,
    dnsNames,
    certificatePem,
    chainPem: [certificatePem, ...above.map((cert) => cert.pem)].join(''),
    trustBundle: state.trustBundle,
    // Whole bytes without leading zero bytes, as OpenSSL (and Node's X509Certificate) print it: `0A1B…`, not `A1B…`.
    serialNumber: serial.toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase(),
    notBefore,
    notAfter,
  };
}

// OIDs of RFC 5280 §4.2.1 and the two TLS purposes of §4.2.1.12.
const BASIC_CONSTRAINTS = objectIdentifier('2.5.29.19');
const KEY_USAGE = objectIdentifier('2.5.29.15');
const EXT_KEY_USAGE = objectIdentifier('2.5.29.37');
const SUBJECT_KEY_ID = objectIdentifier('2.5.29.14');
const AUTHORITY_KEY_ID = objectIdentifier('2.5.29.35');
const SUBJECT_ALT_NAME = objectIdentifier('2.5.29.17');
const SERVER_AUTH = objectIdentifier('1.3.6.1.5.5.7.3.1');
const CLIENT_AUTH = objectIdentifier('1.3.6.1.5.5.7.3.2');

function extension(oid: Uint8Array, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid, booleanTrue(), octetString(value)) : sequence(oid, octetString(value));
}

function svidExtensions(state: CaState, spki: Uint8Array, uri: string, dnsNames: readonly string[]): Uint8Array[] {
  return [
    // cA FALSE is the DEFAULT, so DER leaves the SEQUENCE empty.
    extension(BASIC_CONSTRAINTS, true, sequence()),
    // digitalSignature only (bit 0): ECDSA keys do not encipher.
    extension(KEY_USAGE, true, bitString(Uint8Array.of(0x80), 7)),
    extension(EXT_KEY_USAGE, false, sequence(SERVER_AUTH, CLIENT_AUTH)),
    extension(SUBJECT_KEY_ID, false, octetString(keyIdentifier(spki))),
    extension(AUTHORITY_KEY_ID, false, sequence(implicit(0, state.authorityKeyId))),
    extension(
      SUBJECT_ALT_NAME,
      true,
      sequence(implicit(6, ascii(uri)), ...dnsNames.map((name) => implicit(2, ascii(name)))),
    ),
  ];
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits (verifyCsr checked the SPKI). */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  const [, subjectPublicKey] = children(spki, readElement(spki, 0));
  if (subjectPublicKey === undefined) throw new RangeError('SPKI has no subjectPublicKey');
  return new Uint8Array(createHash('sha1').update(contentOf(spki, subjectPublicKey).subarray(1)).digest());
}

/** The DER subject Name of a certificate, to be copied verbatim as the issuer of the certificates it signs. */
export function subjectNameDer(certificate: Uint8Array): Uint8Array {
  const tbs = children(certificate, readElement(certificate, 0))[0];
  if (tbs === undefined) throw new RangeError('certificate has no tbsCertificate');
  const fields = children(certificate, tbs);
  // version [0] is optional; then serial, signature, issuer, validity, subject.
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (subject === undefined) throw new RangeError('certificate has no subject');
  return bytesOf(certificate, subject).slice();
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function grantedDnsNames(names: readonly string[]): string[] {
  for (const name of names) {
    if (!isDnsName(name)) throw new IssuanceError('bad-dns-name', `"${name}" is not a valid lowercase DNS name`);
  }
  return [...new Set(names)].sort();
}

function boundedLifetime(lifetimeMs: number, maxLifetimeMs: number): number {
  if (!Number.isFinite(lifetimeMs) || lifetimeMs <= 0) {
    throw new IssuanceError('bad-lifetime', `lifetime must be a positive number of milliseconds, got ${lifetimeMs}`);
  }
  return Math.min(lifetimeMs, maxLifetimeMs);
}
