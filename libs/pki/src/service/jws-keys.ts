import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

// The compact JWS pieces the local token verifier needs: split a token, and check its signature with a JWK of the
// API server's key set. Only the two algorithms the API server signs ServiceAccount tokens with are known.

/** A JWS signature algorithm the API server signs ServiceAccount tokens with (RSA or ECDSA P-256 signing keys). */
export type TokenAlgorithm = 'RS256' | 'ES256';

/** A token split into its three parts, the header and claims decoded; undefined when it is not a compact JWS. */
export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly signedPart: string;
  readonly signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function parseCompactJws(token: string): CompactJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, claims, signature] = parts as [string, string, string];
  if (!BASE64URL.test(header) || !BASE64URL.test(claims) || !BASE64URL.test(signature)) return undefined;
  const decoded = [decodeObject(header), decodeObject(claims)];
  if (decoded[0] === undefined || decoded[1] === undefined) return undefined;
  return { header: decoded[0], claims: decoded[1], signedPart: `${header}.${claims}`, signature: Buffer.from(signature, 'base64url') };
}

function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A verification key of the set: its algorithm is fixed by its type (RSA → RS256, EC P-256 → ES256). */
export interface VerificationKey {
  readonly algorithm: TokenAlgorithm;
  readonly key: KeyObject;
}

/**
 * The usable signing keys of a JWKS by `kid`. A key is skipped when it has no kid, is not for signatures, names
 * another algorithm than its type allows, or does not import.
 */
export function verificationKeys(jwks: readonly Readonly<Record<string, unknown>>[]): ReadonlyMap<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of jwks) {
    const kid = jwk['kid'];
    if (typeof kid !== 'string' || kid === '' || keys.has(kid)) continue;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    const algorithm = jwk['kty'] === 'RSA' ? 'RS256' : jwk['kty'] === 'EC' && jwk['crv'] === 'P-256' ? 'ES256' : undefined;
    if (algorithm === undefined || (jwk['alg'] !== undefined && jwk['alg'] !== algorithm)) continue;
    try {
      keys.set(kid, { algorithm, key: createPublicKey({ key: jwk, format: 'jwk' }) });
    } catch {
      // Not a key Node can import: tokens signed with it go to TokenReview.
    }
  }
  return keys;
}

/** True when `signature` is `key`'s signature of `signedPart` under `algorithm` (and the algorithm is the key's). */
export function signatureValid(jws: CompactJws, algorithm: unknown, key: VerificationKey): boolean {
  if (algorithm !== key.algorithm) return false;
  const data = Buffer.from(jws.signedPart, 'ascii');
  if (key.algorithm === 'ES256') {
    // JWS carries ECDSA signatures as r || s, 32 bytes each.
    return jws.signature.length === 64 && verify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  }
  return verify('sha256', data, key.key, jws.signature);
}
