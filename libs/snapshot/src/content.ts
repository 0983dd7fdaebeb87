import { createHash } from 'node:crypto';
import { APISIX_KINDS, isApisixKind } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResources } from '@weft/model';
import { DuplicateResourceIdError, MalformedResourcesError, UnknownKindError } from './errors.js';
import { encodingOf } from './frozen.js';

/** What a snapshot's hash covers: the resources and the trust bundle. `Snapshot` is one. */
export interface SnapshotContent {
  readonly resources: ApisixResources;
  readonly trustBundle: readonly string[];
}

/** Kinds in the order canonical JSON writes them (sorted keys). */
const KINDS_SORTED: readonly ApisixKind[] = [...APISIX_KINDS].sort();

function byId(a: ApisixResource, b: ApisixResource): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Every kind present (missing kinds become empty lists), each sorted by id; unknown kinds, duplicate ids and items
 * without a string id are refused. Lists already sorted are returned as they are (no copy).
 */
export function normalizeResources(resources: Partial<ApisixResources>): ApisixResources {
  const value: unknown = resources;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResourcesError('resources', 'must be an object keyed by kind');
  }
  for (const key of Object.keys(resources)) {
    if (!isApisixKind(key)) throw new UnknownKindError(key);
  }
  const out: Partial<Record<ApisixKind, readonly ApisixResource[]>> = {};
  for (const kind of APISIX_KINDS) out[kind] = sortedKind(kind, resources[kind]);
  return out as ApisixResources;
}

function sortedKind(kind: ApisixKind, given: readonly ApisixResource[] | undefined): readonly ApisixResource[] {
  if (given === undefined) return [];
  if (!isList(given)) throw new MalformedResourcesError(kind, 'must be a list');
  const list = given;
  let sorted = true;
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as unknown;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new MalformedResourcesError(`${kind}[${i}]`, 'must be an object');
    }
    const id = (item as { id?: unknown }).id;
    if (typeof id !== 'string') throw new MalformedResourcesError(`${kind}[${i}].id`, 'must be a string');
    const previous = list[i - 1];
    if (previous !== undefined && previous.id >= id) sorted = false;
  }
  const result = sorted ? list : [...list].sort(byId);
  for (let i = 1; i < result.length; i++) {
    const id = result[i]?.id;
    if (id !== undefined && id === result[i - 1]?.id) throw new DuplicateResourceIdError(kind, id);
  }
  return result;
}

/** `Array.isArray` without its narrowing to `any[]`: inputs here are typed but may come off the wire. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** A trust bundle is a set of PEM roots: sorted, duplicates dropped. */
export function normalizeTrustBundle(trustBundle: readonly string[]): readonly string[] {
  if (!isList(trustBundle)) throw new MalformedResourcesError('trustBundle', 'must be a list of PEM strings');
  for (let i = 0; i < trustBundle.length; i++) {
    if (typeof trustBundle[i] !== 'string') throw new MalformedResourcesError(`trustBundle[${i}]`, 'must be a string');
  }
  const sorted = [...new Set(trustBundle)].sort();
  const unchanged = sorted.length === trustBundle.length && sorted.every((pem, i) => pem === trustBundle[i]);
  return unchanged ? trustBundle : sorted;
}

/**
 * The canonical encoding of normalized content, in pieces. Joined, the pieces equal
 * `canonicalJson({ resources, trustBundle })`; per-resource pieces come from the encoding cache.
 */
function* contentPieces(content: SnapshotContent): Generator<string> {
  yield '{"resources":{';
  let firstKind = true;
  for (const kind of KINDS_SORTED) {
    yield `${firstKind ? '' : ','}"${kind}":[`;
    firstKind = false;
    const list = content.resources[kind];
    for (let i = 0; i < list.length; i++) {
      const resource = list[i] as ApisixResource;
      yield i === 0 ? encodingOf(resource) : `,${encodingOf(resource)}`;
    }
    yield ']';
  }
  yield '},"trustBundle":[';
  yield content.trustBundle.map((pem) => JSON.stringify(pem)).join(',');
  yield ']}';
}

/** Hash and UTF-8 size of already-normalized content. */
export function measureNormalized(content: SnapshotContent): { readonly hash: string; readonly bytes: number } {
  const hash = createHash('sha256');
  let bytes = 0;
  // Feed the hash in ~64 KiB chunks: one native call per resource costs more than the concatenation.
  let chunk = '';
  for (const piece of contentPieces(content)) {
    chunk += piece;
    if (chunk.length >= 65_536) {
      hash.update(chunk, 'utf8');
      bytes += Buffer.byteLength(chunk, 'utf8');
      chunk = '';
    }
  }
  hash.update(chunk, 'utf8');
  bytes += Buffer.byteLength(chunk, 'utf8');
  return { hash: hash.digest('hex'), bytes };
}

/**
 * sha256 (hex) of the canonical encoding of `{resources, trustBundle}`, with each kind sorted by id and the trust
 * bundle sorted as a set. Equal hashes mean equal config.
 */
export function contentHash(resources: Partial<ApisixResources>, trustBundle: readonly string[]): string {
  return measureNormalized({ resources: normalizeResources(resources), trustBundle: normalizeTrustBundle(trustBundle) })
    .hash;
}

/** UTF-8 size of the canonical encoding of a snapshot's content (what a full-state message carries, roughly). */
export function contentByteLength(content: SnapshotContent): number {
  return measureNormalized({
    resources: normalizeResources(content.resources),
    trustBundle: normalizeTrustBundle(content.trustBundle),
  }).bytes;
}
