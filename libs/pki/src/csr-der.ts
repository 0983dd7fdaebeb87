// Reads the parts of a PKCS#10 request (RFC 2986) that a CA needs, straight from DER with bounds checks. Every
// failure is a `CsrError`; the caller has already capped the input size, and reading is linear in it.
import { bytesOf, children, contentOf, objectIdentifier, readElement } from './der.js';
import type { DerElement } from './der.js';
import { CsrError } from './errors.js';

export interface CsrParts {
  /** certificationRequestInfo as received: what the signature covers. */
  readonly info: Uint8Array;
  readonly publicKeySpki: Uint8Array<ArrayBuffer>;
  /** node:crypto hash name of an ECDSA signature with SHA-256/384/512; undefined for any other algorithm. */
  readonly hash: string | undefined;
  /** DER ECDSA-Sig-Value. */
  readonly signature: Uint8Array;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
}

const MAX_NAMES = 32;
const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const INTEGER = 0x02;
const BOOLEAN = 0x01;
const ATTRIBUTES = 0xa0;
const URI_NAME = 0x86;
const DNS_NAME = 0x82;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const EXTENSION_REQUEST = hex(objectIdentifier('1.2.840.113549.1.9.14'));
const SUBJECT_ALT_NAME = hex(objectIdentifier('2.5.29.17'));
const ECDSA_HASHES = new Map([
  [hex(objectIdentifier('1.2.840.10045.4.3.2')), 'sha256'],
  [hex(objectIdentifier('1.2.840.10045.4.3.3')), 'sha384'],
  [hex(objectIdentifier('1.2.840.10045.4.3.4')), 'sha512'],
]);

export function readCsr(der: Uint8Array<ArrayBuffer>): CsrParts {
  try {
    return readParts(der);
  } catch (error) {
    if (error instanceof CsrError) throw error;
    throw new CsrError('malformed', 'CSR PEM does not hold a DER PKCS#10 certificate request', { cause: error });
  }
}

function readParts(der: Uint8Array<ArrayBuffer>): CsrParts {
  const outer = expect(readElement(der, 0), SEQUENCE);
  if (outer.end !== der.length) throw malformed('trailing bytes after the request');
  const [infoElement, algorithm, signature, ...extra] = children(der, outer);
  if (infoElement === undefined || algorithm === undefined || signature === undefined || extra.length > 0) {
    throw malformed('a request has three parts');
  }
  const [version, subject, spki, attributes, ...more] = children(der, expect(infoElement, SEQUENCE));
  if (version === undefined || subject === undefined || spki === undefined || more.length > 0) {
    throw malformed('certificationRequestInfo has version, subject, key and attributes');
  }
  if (hex(bytesOf(der, expect(version, INTEGER))) !== '020100') throw malformed('version must be 0');
  expect(subject, SEQUENCE);
  expect(spki, SEQUENCE);

  const [algorithmOid] = children(der, expect(algorithm, SEQUENCE));
  const hash = ECDSA_HASHES.get(hex(bytesOf(der, expect(algorithmOid, OID))));
  const bits = contentOf(der, expect(signature, BIT_STRING));
  if (bits[0] !== 0) throw malformed('signature BIT STRING has unused bits');

  const names = attributes === undefined ? { uris: [], dnsNames: [] } : requestedNames(der, expect(attributes, ATTRIBUTES));
  return {
    info: bytesOf(der, infoElement),
    publicKeySpki: bytesOf(der, spki).slice(),
    hash,
    signature: bits.subarray(1),
    ...names,
  };
}

/** The URI and DNS SANs of the extensionRequest attribute; any other name type is refused. */
function requestedNames(der: Uint8Array, attributes: DerElement): { uris: string[]; dnsNames: string[] } {
  const sans: DerElement[] = [];
  let extensionRequests = 0;
  for (const attribute of children(der, attributes)) {
    const [type, values] = children(der, expect(attribute, SEQUENCE));
    if (hex(bytesOf(der, expect(type, OID))) !== EXTENSION_REQUEST) continue;
    extensionRequests++;
    const [extensions, ...others] = children(der, expect(values, SET));
    if (others.length > 0) throw malformed('extensionRequest holds more than one value');
    for (const extension of children(der, expect(extensions, SEQUENCE))) {
      const parts = children(der, expect(extension, SEQUENCE));
      const id = parts[0];
      const value = parts[parts.length - 1];
      if (parts.length === 3) expect(parts[1], BOOLEAN);
      if (parts.length < 2 || parts.length > 3) throw malformed('an extension has an id, a critical flag and a value');
      if (hex(bytesOf(der, expect(id, OID))) === SUBJECT_ALT_NAME) sans.push(expect(value, OCTET_STRING));
    }
  }
  if (extensionRequests > 1) throw malformed('more than one extensionRequest attribute');
  if (sans.length > 1) throw malformed('more than one subjectAltName extension');
  // An honest request carries one URI and a few DNS names.
  const count = sans[0] === undefined ? 0 : children(contentOf(der, sans[0]), readElement(contentOf(der, sans[0]), 0)).length;
  if (count > MAX_NAMES) throw new CsrError('too-large', `CSR asks for ${count} names, more than the ${MAX_NAMES} allowed`);
  const uris: string[] = [];
  const dnsNames: string[] = [];
  const san = sans[0];
  if (san === undefined) return { uris, dnsNames };
  const value = contentOf(der, san);
  const generalNames = readElement(value, 0);
  if (generalNames.end !== value.length) throw malformed('trailing bytes in subjectAltName');
  for (const name of children(value, expect(generalNames, SEQUENCE))) {
    const text = contentOf(value, name);
    if (name.tag === URI_NAME) uris.push(ia5(text));
    else if (name.tag === DNS_NAME) dnsNames.push(ia5(text));
    else throw new CsrError('unsupported-san', 'CSR has a SAN of a type other than URI or DNS; only one URI and DNS names are allowed');
  }
  return { uris, dnsNames };
}

function expect(element: DerElement | undefined, tag: number): DerElement {
  if (element?.tag !== tag) {
    throw malformed(`expected tag 0x${tag.toString(16)}, found ${element === undefined ? 'nothing' : `0x${element.tag.toString(16)}`}`);
  }
  return element;
}

function ia5(bytes: Uint8Array): string {
  if (bytes.some((byte) => byte > 0x7e || byte < 0x20)) throw malformed('a SAN holds non-printable or non-ASCII bytes');
  return Buffer.from(bytes).toString('latin1');
}

function malformed(detail: string): CsrError {
  return new CsrError('malformed', `CSR is not a well-formed PKCS#10 request: ${detail}`);
}
