import type { ApisixKind } from '@weft/model';
import { canonicalJson } from './canonical.js';
import { bucketOf } from './content-hash.js';
import { KINDS_SORTED } from './content.js';
import { encodingOf, isDeepFrozen } from './frozen.js';
import type { SnapshotProblem } from './problems.js';
import { referencesOf, sslTypeOf } from './references.js';
import type { Reference } from './references.js';
import { validateResource } from './validate/index.js';

/**
 * One resource as ContentState holds it: its canonical JSON and what hashing, validation and references need of it,
 * so the resource object itself can be let go. Immutable.
 */
export interface ResourceEntry {
  readonly kind: ApisixKind;
  readonly id: string;
  /** Canonical JSON of the resource. */
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
  /** Its bucket in the content hash. */
  readonly bucket: number;
  /** Position of `kind` in the hash's kind order. */
  readonly kindOrder: number;
  readonly refs: readonly Reference[];
  /** Its schema problems (none for a valid resource). */
  readonly problems: readonly SnapshotProblem[];
  /** ssls only: the type references see (`server` when absent). */
  readonly sslType: string | undefined;
}

const KIND_ORDER = new Map(KINDS_SORTED.map((kind, i) => [kind, i]));
const NO_PROBLEMS: readonly SnapshotProblem[] = Object.freeze([]);

/** Entries of resources that do not change once handed over, by object identity (see `entryOf`). */
const cache = new WeakMap<object, ResourceEntry>();

/**
 * The entry of `resource` (an object with a string id: normalizeResources checked it). Entries of resources this
 * library froze, and of any resource when `immutable` is set, are cached by object identity: a resource shared by
 * many scopes, or kept from one version to the next, is then encoded and validated once. Throws
 * CanonicalEncodingError for a value with no JSON form.
 */
export function entryOf(kind: ApisixKind, resource: { readonly id: string }, immutable = false): ResourceEntry {
  const cacheable = immutable || isDeepFrozen(resource);
  if (cacheable) {
    const known = cache.get(resource);
    if (known?.kind === kind) return known;
  }
  const entry = entryWithJson(kind, resource, cacheable ? encodingOf(resource, true) : canonicalJson(resource));
  if (cacheable) cache.set(resource, entry);
  return entry;
}

/** The entry of `resource` whose encoding the caller already has (text it was parsed from, verified by a hash). */
export function entryWithJson(kind: ApisixKind, resource: { readonly id: string }, json: string): ResourceEntry {
  const problems = validateResource(kind, resource, resource.id);
  return {
    kind,
    id: resource.id,
    json,
    bytes: Buffer.byteLength(json, 'utf8'),
    bucket: bucketOf(kind, resource.id),
    kindOrder: KIND_ORDER.get(kind) ?? 0,
    refs: referencesOf(kind, resource),
    problems: problems.length === 0 ? NO_PROBLEMS : problems,
    sslType: kind === 'ssls' ? sslTypeOf(resource) : undefined,
  };
}

/** Order of entries in a bucket: by kind (hash order), then id (code units). */
export function compareEntries(a: { readonly kindOrder: number; readonly id: string }, b: { readonly kindOrder: number; readonly id: string }): number {
  if (a.kindOrder !== b.kindOrder) return a.kindOrder - b.kindOrder;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
