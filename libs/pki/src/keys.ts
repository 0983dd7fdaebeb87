import { createPrivateKey, createPublicKey } from 'node:crypto';
import { KeyError } from './errors.js';
import { decodePemBlocks, encodePem } from './pem.js';

/** ECDSA on P-256, the only workload key type Weft issues SVIDs for. */
export const P256_KEY_ALGORITHM: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
export const P256_SIGNING_ALGORITHM: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

const MAX_KEY_PEM_LENGTH = 16 * 1024;

/**
 * A fresh ECDSA P-256 key pair. The private key is extractable because the agent hands it (as PEM) to the
 * config store it serves to APISIX.
 */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(P256_KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** The private key as PKCS#8 PEM (`PRIVATE KEY`). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return encodePem('PRIVATE KEY', await globalThis.crypto.subtle.exportKey('pkcs8', key));
}

/** The public key as SPKI PEM (`PUBLIC KEY`). */
export async function exportPublicKeyPem(key: CryptoKey): Promise<string> {
  return encodePem('PUBLIC KEY', await globalThis.crypto.subtle.exportKey('spki', key));
}

/** Reads a P-256 private key from PKCS#8 PEM (`PRIVATE KEY`, or SEC1 `EC PRIVATE KEY`); throws `KeyError`. */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = singleBlock(pem, ['PRIVATE KEY', 'EC PRIVATE KEY']);
  let pkcs8: Buffer;
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    requireP256(key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve);
    pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError('malformed', `private key PEM is not a readable key (${der.length} bytes)`, { cause: error });
  }
  return globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), P256_KEY_ALGORITHM, true, ['sign']);
}

/** Reads a P-256 public key from SPKI PEM (`PUBLIC KEY`); throws `KeyError`. */
export async function importPublicKeyPem(pem: string): Promise<CryptoKey> {
  const der = singleBlock(pem, ['PUBLIC KEY']);
  try {
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    requireP256(key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve);
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError('malformed', 'public key PEM is not a readable SPKI key', { cause: error });
  }
  return globalThis.crypto.subtle.importKey('spki', der, P256_KEY_ALGORITHM, true, ['verify']);
}

function singleBlock(pem: string, labels: readonly string[]): Uint8Array<ArrayBuffer> {
  if (pem.length > MAX_KEY_PEM_LENGTH) throw new KeyError('malformed', `key PEM is larger than ${MAX_KEY_PEM_LENGTH} bytes`);
  const blocks = decodePemBlocks(pem);
  const block = blocks?.[0];
  if (blocks?.length !== 1 || block === undefined || !labels.includes(block.label)) {
    throw new KeyError('not-pem', `expected exactly one PEM block labelled ${labels.map((l) => `"${l}"`).join(' or ')}`);
  }
  return block.der;
}

function requireP256(type: string | undefined, curve: string | undefined): void {
  if (type !== 'ec' || curve !== 'prime256v1') {
    const found = type === 'ec' ? `EC ${curve ?? 'unknown curve'}` : (type ?? 'unknown');
    throw new KeyError('unsupported-key', `key must be ECDSA P-256, found ${found}`);
  }
}
