import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { objectIdentifier, sequence, tlv } from './der.js';
import { CaError } from './errors.js';
import { encodePem } from './pem.js';

/** A CA's signing key with the signature algorithm that goes with it. */
export interface CaSigningKey {
  /** Signs `tbs` and returns the signature as it goes in the certificate (DER ECDSA-Sig-Value or PKCS#1 v1.5). */
  sign(tbs: Uint8Array): Uint8Array;
  /** The DER AlgorithmIdentifier of that signature. */
  readonly signatureAlgorithm: Uint8Array;
  /** PKCS#8 PEM, to store the CA back in the Secret it came from. */
  readonly pkcs8Pem: string;
  /** SPKI DER of the matching public key, to check the key belongs to the CA certificate. */
  readonly publicKeySpki: Uint8Array;
}

interface KeyKind {
  readonly hash: 'sha256' | 'sha384';
  readonly signatureAlgorithm: Uint8Array;
}

// RFC 5758 ecdsa-with-SHA256/384 (no parameters); RFC 4055 sha256WithRSAEncryption (NULL parameters).
const ECDSA_SHA256 = sequence(objectIdentifier('1.2.840.10045.4.3.2'));
const ECDSA_SHA384 = sequence(objectIdentifier('1.2.840.10045.4.3.3'));
const RSA_SHA256 = sequence(objectIdentifier('1.2.840.113549.1.1.11'), tlv(0x05));

/**
 * Reads a plugged-in CA key (PKCS#8, SEC1 or PKCS#1 PEM, as Istio's `cacerts` may hold). Workload keys are P-256
 * only, but a user's CA may be P-256, P-384 or RSA; those sign with SHA-256, SHA-384 and PKCS#1 v1.5 SHA-256.
 */
export function importCaKeyPem(pem: string): CaSigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new CaError('malformed', 'ca.key is not a readable private key PEM (encrypted keys are not supported)', {
      cause: error,
    });
  }
  const kind = keyKind(key);
  const ecdsa = key.asymmetricKeyType === 'ec';
  return {
    sign: (tbs) => new Uint8Array(sign(kind.hash, tbs, ecdsa ? { key, dsaEncoding: 'der' } : key)),
    signatureAlgorithm: kind.signatureAlgorithm,
    pkcs8Pem: encodePem('PRIVATE KEY', key.export({ format: 'der', type: 'pkcs8' })),
    publicKeySpki: new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' })),
  };
}

function keyKind(key: KeyObject): KeyKind {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return { hash: 'sha256', signatureAlgorithm: ECDSA_SHA256 };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return { hash: 'sha384', signatureAlgorithm: ECDSA_SHA384 };
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) {
    return { hash: 'sha256', signatureAlgorithm: RSA_SHA256 };
  }
  const found = key.asymmetricKeyType === 'ec' ? `EC ${curve ?? 'unknown curve'}` : (key.asymmetricKeyType ?? 'unknown');
  throw new CaError('unsupported-key', `ca.key must be ECDSA P-256/P-384 or RSA >= 2048 bits, found ${found}`);
}
