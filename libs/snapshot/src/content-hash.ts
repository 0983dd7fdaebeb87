/**
 * The content hash (format 2): defined so that it can be kept up to date in O(changed) instead of re-reading a
 * whole scope for every version, and computed the same way from scratch.
 *
 * ```
 * line(kind, id)   = kind " " JSON(id) " " canonicalJson(resource) "\n"
 * bucket(kind, id) = FNV-1a-32 over the UTF-16 code units of `kind/id`, folded to 0..255
 * digest(b)        = sha256 of the lines of bucket b, in (kind, id) order   (kinds alphabetical, ids by code unit)
 * trust            = sha256 of canonicalJson(sorted, de-duplicated trust bundle)
 * hash             = hex sha256( "weft-content-hash/2\n" ‖ trust ‖ digest(0) ‖ … ‖ digest(255) )
 * ```
 *
 * Equal hashes still mean equal config: every line is the canonical encoding of one resource with its kind and id,
 * unambiguous (the JSON id ends at its closing quote, a canonical encoding holds no raw newline).
 */
import { createHash } from 'node:crypto';
import type { ApisixKind } from '@weft/model';
import { canonicalJson } from './canonical.js';

/** Buckets of the hash; fixed, as it is part of the definition. */
export const HASH_BUCKETS = 256;
const HEADER = Buffer.from('weft-content-hash/2\n', 'utf8');
const EMPTY_DIGEST = createHash('sha256').digest();

/** The bucket a resource's line falls in. */
export function bucketOf(kind: ApisixKind, id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < kind.length; i++) h = Math.imul(h ^ kind.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x2f, 0x01000193);
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return ((h >>> 24) ^ (h >>> 16) ^ (h >>> 8) ^ h) & (HASH_BUCKETS - 1);
}

/** One resource's line in its bucket. */
export function hashLine(kind: ApisixKind, id: string, json: string): string {
  return `${kind} ${JSON.stringify(id)} ${json}\n`;
}

/** sha256 of a bucket's lines, given in order. */
export function bucketDigest(lines: readonly string[]): Buffer {
  if (lines.length === 0) return EMPTY_DIGEST;
  return createHash('sha256').update(lines.join(''), 'utf8').digest();
}

/** sha256 of the canonical encoding of a normalized (sorted, unique) trust bundle. */
export function trustDigest(trustBundle: readonly string[]): Buffer {
  return createHash('sha256').update(canonicalJson(trustBundle), 'utf8').digest();
}

/** Bytes of all bucket digests side by side, in bucket order. */
export const DIGESTS_BYTES = HASH_BUCKETS * 32;

/** The hash from the trust digest and the bucket digests (all HASH_BUCKETS of them side by side, in bucket order). */
export function combineDigests(trust: Buffer, digests: Buffer): string {
  if (digests.length !== DIGESTS_BYTES) throw new RangeError(`${digests.length} bytes of bucket digests, expected ${DIGESTS_BYTES}`);
  // Three native calls, not one per bucket: an agent does this for every version it applies.
  return createHash('sha256').update(HEADER).update(trust).update(digests).digest('hex');
}

/** Bucket digests, side by side, of lines given in (kind, id) order overall: each bucket's lines then come in order too. */
export function digestLines(lines: Iterable<{ readonly kind: ApisixKind; readonly id: string; readonly json: string }>): Buffer {
  const buckets: string[][] = Array.from({ length: HASH_BUCKETS }, () => []);
  for (const { kind, id, json } of lines) (buckets[bucketOf(kind, id)] as string[]).push(hashLine(kind, id, json));
  return Buffer.concat(buckets.map((bucket) => bucketDigest(bucket)));
}
