import { APISIX_KINDS, isApisixKind } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResources } from '@weft/model';
import { DuplicateResourceIdError, MalformedResourcesError, UnknownKindError } from './errors.js';
import { combineDigests, digestLines, trustDigest } from './content-hash.js';
import { encodingOf } from './frozen.js';

/** What a snapshot's hash covers: the resources and the trust bundle. `Snapshot` is one. */
export interface SnapshotContent {
  readonly resources: ApisixResources;
  readonly trustBundle: readonly string[];
}

/** Kinds in the order canonical JSON writes them (sorted keys). */
export const KINDS_SORTED: readonly ApisixKind[] = [...APISIX_KINDS].sort();

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

/** UTF-8 size of the canonical encoding of content with `counts` resources per kind, from the parts' sizes. */
export function canonicalSize(counts: Readonly<Record<ApisixKind, number>>, resourceBytes: number, trustBundle: readonly string[]): number {
  // {"resources":{"kind":[a,b],…},"trustBundle":[p,q]}
  let bytes = '{"resources":{'.length + '},"trustBundle":['.length + ']}'.length + (KINDS_SORTED.length - 1) + resourceBytes;
  for (const kind of KINDS_SORTED) bytes += kind.length + '"":['.length + ']'.length + Math.max(0, counts[kind] - 1);
  for (const pem of trustBundle) bytes += Buffer.byteLength(JSON.stringify(pem), 'utf8');
  return bytes + Math.max(0, trustBundle.length - 1);
}

/** Hash (format 2, see content-hash.ts) and UTF-8 size of already-normalized content. */
export function measureNormalized(content: SnapshotContent): { readonly hash: string; readonly bytes: number } {
  const counts = {} as Record<ApisixKind, number>;
  let resourceBytes = 0;
  const lines: { kind: ApisixKind; id: string; json: string }[] = [];
  for (const kind of KINDS_SORTED) {
    const list = content.resources[kind];
    counts[kind] = list.length;
    for (const resource of list) {
      const json = encodingOf(resource);
      resourceBytes += Buffer.byteLength(json, 'utf8');
      lines.push({ kind, id: resource.id, json });
    }
  }
  const hash = combineDigests(trustDigest(content.trustBundle), digestLines(lines));
  return { hash, bytes: canonicalSize(counts, resourceBytes, content.trustBundle) };
}

/**
 * The content hash of `{resources, trustBundle}` (format 2, defined in content-hash.ts): sha256 over the canonical
 * encoding of every resource, bucketed so that `ContentState` can keep it current per change. Kinds are sorted by
 * id and the trust bundle sorted as a set first. Equal hashes mean equal config.
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
