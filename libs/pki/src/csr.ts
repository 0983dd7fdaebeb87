import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readCsr } from './csr-der.js';
import { CsrError, SpiffeIdError } from './errors.js';
import { P256_SIGNING_ALGORITHM } from './keys.js';
import { decodePemBlocks, encodePem } from './pem.js';
import { formatSpiffeId, parseSpiffeId } from './spiffe-id.js';
import type { SpiffeId, SpiffeIdParts } from './spiffe-id.js';
import { x509 } from './x509.js';

/** What a verified CSR asks for. The CA decides what it grants; this is only the request. */
export interface VerifiedCsr {
  readonly spiffeId: SpiffeId;
  /** DNS SANs the CSR asks for (the CA refuses any it has not authorised). */
  readonly dnsNames: readonly string[];
  /** The CSR's public key as SPKI DER, to be certified as is. */
  readonly publicKeySpki: Uint8Array<ArrayBuffer>;
}

export interface CreateCsrOptions {
  readonly keys: CryptoKeyPair;
  readonly spiffeId: SpiffeIdParts;
  readonly dnsNames?: readonly string[];
}

/** A PEM cap far above any honest request (one P-256 key and a few SANs fit in ~1 KiB): refused before parsing. */
export const MAX_CSR_PEM_LENGTH = 16 * 1024;

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

/** A PKCS#10 CSR (PEM) for a workload identity: empty subject, one URI SAN, optional DNS SANs. */
export async function createCsr(options: CreateCsrOptions): Promise<string> {
  const names: x509.JsonGeneralName[] = [{ type: 'url', value: formatSpiffeId(options.spiffeId) }];
  for (const dns of options.dnsNames ?? []) names.push({ type: 'dns', value: dns });
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: options.keys,
    signingAlgorithm: P256_SIGNING_ALGORITHM,
    extensions: [new x509.SubjectAlternativeNameExtension(names, true)],
  });
  return encodePem('CERTIFICATE REQUEST', csr.rawData);
}

/**
 * Checks a CSR before a CA looks at what it asks: bounded size, one PEM block, a P-256 key, a valid ECDSA signature
 * by that key, and exactly one URI SAN that is a Weft SPIFFE ID. Throws `CsrError` with the reason.
 */
export function verifyCsr(pem: string): VerifiedCsr {
  if (pem.length > MAX_CSR_PEM_LENGTH) {
    throw new CsrError('too-large', `CSR is ${pem.length} bytes, more than the ${MAX_CSR_PEM_LENGTH} allowed`);
  }
  const blocks = decodePemBlocks(pem);
  const block = blocks?.[0];
  if (blocks?.length !== 1 || block === undefined || !CSR_LABELS.includes(block.label)) {
    throw new CsrError('not-pem', 'CSR must be exactly one PEM block labelled "CERTIFICATE REQUEST"');
  }
  const csr = readCsr(block.der);
  const publicKey = requireP256Key(csr.publicKeySpki);
  if (csr.hash === undefined) {
    throw new CsrError('unsupported-signature-algorithm', 'CSR must be signed with ECDSA and SHA-256, SHA-384 or SHA-512');
  }
  if (!signatureVerifies(csr.info, csr.hash, csr.signature, publicKey)) {
    throw new CsrError('bad-signature', 'CSR signature does not verify with its public key');
  }
  if (csr.uris.length === 0) throw new CsrError('no-uri-san', 'CSR has no URI SAN; it must carry exactly one SPIFFE ID');
  if (csr.uris.length > 1) {
    throw new CsrError('multiple-uri-sans', `CSR has ${csr.uris.length} URI SANs; exactly one is allowed`);
  }
  return { spiffeId: spiffeIdFrom(csr.uris[0] ?? ''), dnsNames: csr.dnsNames, publicKeySpki: csr.publicKeySpki };
}

function requireP256Key(spki: Uint8Array<ArrayBuffer>): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CsrError('unsupported-key', 'CSR public key is not a key Node can read', { cause: error });
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type !== 'ec' || curve !== 'prime256v1') {
    const found = type === 'ec' ? `EC ${curve ?? 'unknown curve'}` : (type ?? 'unknown');
    throw new CsrError('unsupported-key', `CSR key must be ECDSA P-256, found ${found}`);
  }
  return key;
}

function signatureVerifies(info: Uint8Array, hash: string, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify(hash, info, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

function spiffeIdFrom(uri: string): SpiffeId {
  try {
    return parseSpiffeId(uri);
  } catch (error) {
    if (error instanceof SpiffeIdError) {
      throw new CsrError('not-spiffe-id', `CSR URI SAN is not a valid SPIFFE ID: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
