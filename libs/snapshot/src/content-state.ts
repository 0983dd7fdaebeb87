import { APISIX_KINDS, isApisixKind } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResources } from '@weft/model';
import { bucketDigest, combineDigests, DIGESTS_BYTES, HASH_BUCKETS, hashLine, trustDigest } from './content-hash.js';
import { canonicalSize, KINDS_SORTED, normalizeResources, normalizeTrustBundle } from './content.js';
import type { KindChanges, ResourceDelta } from './delta.js';
import { DeltaApplyError, MalformedResourcesError, UnknownKindError } from './errors.js';
import type { SnapshotProblem } from './problems.js';
import { REFERRING_KINDS, referenceProblem } from './references.js';
import type { ReferenceTarget } from './references.js';
import { compareEntries, entryOf, entryWithJson } from './resource-entry.js';
import { splitContentText, splitDeltaText } from './content-text.js';
import type { KindChangesText } from './content-text.js';
import { parseJsonText } from './json-text.js';
import type { ResourceEntry } from './resource-entry.js';
import { validateTrustBundle } from './validate/index.js';

export interface ContentStateOptions {
  /**
   * The resources handed to this state never change afterwards (a copy-on-write producer such as the translator):
   * their entries are cached by object identity, so one shared by many scopes is encoded and validated once.
   * Resources this library froze are cached either way.
   */
  readonly immutableResources?: boolean;
}

/** One resource that an update changed: what was there before and what is there now (undefined: absent). */
export interface EntryChange {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly before: ResourceEntry | undefined;
  readonly after: ResourceEntry | undefined;
}

/** What `update` did: the resources that really changed (same encoding = no change), and the trust bundle. */
export interface ContentUpdate {
  readonly changes: readonly EntryChange[];
  /** The new trust bundle when it changed. */
  readonly trustBundle: readonly string[] | undefined;
  /** Puts the state back as it was before this update (call before any later update). */
  undo(): void;
}

const EMPTY_TRUST_DIGEST = trustDigest([]);

/**
 * A scope's content held compactly (canonical JSON per resource) with everything a version is judged by kept up to
 * date per change: the content hash (content-hash.ts: only the buckets a change touches are hashed again), the
 * encoded size, schema problems of each resource and the references between resources (counted per target, so a
 * removed upstream that is still referenced counts as dangling). `update` costs O(changed), `valid` O(1);
 * `problems()` lists everything, as `validateSnapshot` would, and is O(size) only when something is wrong.
 */
export class ContentState {
  readonly #immutable: boolean;
  readonly #byKind: Record<ApisixKind, Map<string, ResourceEntry>>;
  readonly #buckets: ResourceEntry[][] = Array.from({ length: HASH_BUCKETS }, () => []);
  /** Every bucket's digest side by side (32 bytes each), as combineDigests takes them. */
  readonly #digests = Buffer.alloc(DIGESTS_BYTES);
  readonly #dirty = new Set<number>();
  #trustBundle: readonly string[] = [];
  #trustDigest: Buffer = EMPTY_TRUST_DIGEST;
  #trustProblems: readonly SnapshotProblem[] = [];
  #hash: string | undefined;
  #byteSize: number | undefined;
  #resourceBytes = 0;
  /** Resources with schema problems. */
  readonly #invalid = new Set<ResourceEntry>();
  /** References (with a string id) per target, `<target> <id>`. */
  readonly #refCounts = new Map<string, number>();
  #dangling = 0;
  #wrongKind = 0;

  private constructor(options: ContentStateOptions) {
    this.#immutable = options.immutableResources ?? false;
    this.#byKind = Object.fromEntries(APISIX_KINDS.map((kind) => [kind, new Map<string, ResourceEntry>()])) as Record<ApisixKind, Map<string, ResourceEntry>>;
    const empty = bucketDigest([]);
    for (let b = 0; b < HASH_BUCKETS; b++) empty.copy(this.#digests, b * 32);
  }

  /** The state of `content` (kinds, ids and shapes checked as buildSnapshot does; schema problems are kept, not thrown). */
  static from(content: { readonly resources: Partial<ApisixResources>; readonly trustBundle: readonly string[] }, options: ContentStateOptions = {}): ContentState {
    const state = new ContentState(options);
    const resources = normalizeResources(content.resources);
    const entries: ResourceEntry[] = [];
    for (const kind of KINDS_SORTED) for (const resource of resources[kind]) entries.push(state.#entry(kind, resource));
    for (const entry of entries) state.#insert(entry);
    state.#setTrustBundle(normalizeTrustBundle(content.trustBundle));
    return state;
  }

  /**
   * The state of content given as JSON text (a full state off the wire or disk). When the text is laid out as
   * canonical content (what `toJson` and the publisher write), each resource's substring is taken as its encoding
   * and parsed on its own, only to validate it: nothing is encoded again and the whole document is never in memory
   * as objects. Those substrings are what gets hashed, so if the result is not `expectedHash` (a writer that is not
   * canonical) the text is read the ordinary way instead: parsed whole and encoded again. Either way the caller
   * compares the hash. Throws what `from` throws, or JsonTextError for text that is not JSON.
   */
  static fromJson(text: string, expectedHash: string, options: ContentStateOptions = {}): ContentState {
    const fast = ContentState.#fromCanonicalText(text, options);
    if (fast?.hash === expectedHash) return fast;
    const value = parseJsonText(text) as { resources?: unknown; trustBundle?: unknown } | null;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedResourcesError('content', 'must be an object');
    return ContentState.from({ resources: value.resources ?? {}, trustBundle: (value.trustBundle ?? []) as string[] }, options);
  }

  static #fromCanonicalText(text: string, options: ContentStateOptions): ContentState | undefined {
    const split = splitContentText(text);
    if (split === undefined) return undefined;
    const trustBundle = parseJsonText(split.trustBundleJson);
    if (!Array.isArray(trustBundle) || !trustBundle.every((pem) => typeof pem === 'string')) return undefined;
    const entries: ResourceEntry[] = [];
    let last: ResourceEntry | undefined;
    for (const { kind, json } of split.resources) {
      const resource = parseJsonText(json) as { id?: unknown } | null;
      if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || typeof resource.id !== 'string') return undefined;
      const entry = entryWithJson(kind, resource as { readonly id: string }, json);
      // Canonical order (kinds, then ids, strictly increasing) is what the hash's bucket order assumes.
      if (last !== undefined && compareEntries(last, entry) >= 0) return undefined;
      entries.push((last = entry));
    }
    const state = new ContentState(options);
    for (const entry of entries) state.#insert(entry);
    state.#setTrustBundle(normalizeTrustBundle(trustBundle));
    return state;
  }

  /** Content hash (content-hash.ts); only buckets changed since the last read are hashed again. */
  get hash(): string {
    if (this.#hash !== undefined) return this.#hash;
    for (const b of this.#dirty) bucketDigest((this.#buckets[b] as ResourceEntry[]).map((e) => hashLine(e.kind, e.id, e.json))).copy(this.#digests, b * 32);
    this.#dirty.clear();
    this.#hash = combineDigests(this.#trustDigest, this.#digests);
    return this.#hash;
  }

  /** UTF-8 size of the content's canonical encoding. */
  get byteSize(): number {
    if (this.#byteSize !== undefined) return this.#byteSize;
    const counts = Object.fromEntries(APISIX_KINDS.map((kind) => [kind, this.#byKind[kind].size])) as Record<ApisixKind, number>;
    this.#byteSize = canonicalSize(counts, this.#resourceBytes, this.#trustBundle);
    return this.#byteSize;
  }

  get trustBundle(): readonly string[] {
    return this.#trustBundle;
  }

  /** Resources held, all kinds. */
  get size(): number {
    let n = 0;
    for (const kind of APISIX_KINDS) n += this.#byKind[kind].size;
    return n;
  }

  get(kind: ApisixKind, id: string): ResourceEntry | undefined {
    return this.#byKind[kind].get(id);
  }

  /** The entries of one kind, sorted by id. */
  entries(kind: ApisixKind): ResourceEntry[] {
    return [...this.#byKind[kind].values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** No problem at all (schema, references, trust bundle, and size when `maxBytes` is given). O(1). */
  valid(options: { readonly maxBytes?: number } = {}): boolean {
    if (this.#invalid.size > 0 || this.#dangling > 0 || this.#wrongKind > 0 || this.#trustProblems.length > 0) return false;
    return options.maxBytes === undefined || this.byteSize <= options.maxBytes;
  }

  /** Every problem, in validateSnapshot's order (schema, references, trust bundle, size). */
  problems(options: { readonly maxBytes?: number } = {}): SnapshotProblem[] {
    const problems: SnapshotProblem[] = [];
    if (this.#invalid.size > 0) {
      for (const kind of APISIX_KINDS) for (const entry of this.entries(kind)) problems.push(...entry.problems);
    }
    if (this.#dangling > 0 || this.#wrongKind > 0) {
      for (const kind of REFERRING_KINDS) {
        for (const entry of this.entries(kind)) {
          for (const ref of entry.refs) {
            const problem = referenceProblem(kind, entry.id, ref, typeof ref.id === 'string' ? this.#targetType(ref.target, ref.id) : undefined);
            if (problem !== undefined) problems.push(problem);
          }
        }
      }
    }
    problems.push(...this.#trustProblems);
    if (options.maxBytes !== undefined) {
      const bytes = this.byteSize;
      if (bytes > options.maxBytes) {
        problems.push({ code: 'too_large', path: '', message: `snapshot encodes to ${bytes} bytes, more than the limit of ${options.maxBytes}` });
      }
    }
    return problems;
  }

  /**
   * Applies a delta in place: resources upserted (an upsert with the same encoding changes nothing) or deleted, and
   * the trust bundle when given. Everything is checked before anything changes: a malformed delta, an id deleted that
   * is not held, deleted twice, or both upserted and deleted throws (MalformedResourcesError, UnknownKindError,
   * DeltaApplyError, CanonicalEncodingError) and leaves the state as it was.
   */
  update(delta: ResourceDelta): ContentUpdate {
    const given: unknown = delta;
    const givenChanges: unknown = (given as { changes?: unknown } | null)?.changes;
    if (typeof given !== 'object' || given === null || typeof givenChanges !== 'object' || givenChanges === null) {
      throw new MalformedResourcesError('delta.changes', 'must be an object keyed by kind');
    }
    const planned: { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] = [];
    for (const [kind, kindChanges] of Object.entries(delta.changes) as [string, KindChanges | undefined][]) {
      if (!isApisixKind(kind)) throw new UnknownKindError(kind);
      if (kindChanges === undefined) continue;
      planned.push(...this.#plan(kind, kindChanges));
    }
    const trustBundle = delta.trustBundle === undefined ? undefined : normalizeTrustBundle(delta.trustBundle);
    return this.#commit(planned, trustBundle);
  }

  /**
   * `update` of a delta given as JSON text (off the wire). When the text is laid out as canonical delta JSON (what
   * `deltaJson` and the publisher write), each upserted resource's substring is taken as its encoding and parsed on
   * its own only to validate it, as `fromJson` does for a full state: nothing is encoded again. Otherwise the text is
   * parsed whole and given to `update`. A writer that is not canonical gives another hash: the caller compares it,
   * and may `undo` and apply `parseJsonText(text)` through `update` instead. Throws what `update` throws, or
   * JsonTextError for text that is not JSON.
   */
  updateFromJson(text: string): ContentUpdate {
    const split = splitDeltaText(text);
    const planned = split === undefined ? undefined : this.#planText(split.kinds);
    if (split === undefined || planned === undefined) return this.update(parseJsonText(text) as ResourceDelta);
    const trustBundle = split.trustBundleJson === undefined ? undefined : normalizeTrustBundle(parseJsonText(split.trustBundleJson) as string[]);
    return this.#commit(planned, trustBundle);
  }

  #commit(planned: readonly { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[], trustBundle: readonly string[] | undefined): ContentUpdate {
    const changes: EntryChange[] = [];
    for (const { kind, id, after } of planned) {
      const before = this.#byKind[kind].get(id);
      if (before === after || (before !== undefined && after !== undefined && before.json === after.json)) continue;
      if (before !== undefined) this.#remove(before);
      if (after !== undefined) this.#insert(after);
      changes.push({ kind, id, before, after });
    }
    const oldBundle = this.#trustBundle;
    const bundleChanged = trustBundle !== undefined && !sameList(trustBundle, oldBundle);
    if (bundleChanged) this.#setTrustBundle(trustBundle);
    return {
      changes,
      trustBundle: bundleChanged ? trustBundle : undefined,
      undo: () => {
        for (let i = changes.length - 1; i >= 0; i--) {
          const change = changes[i] as EntryChange;
          if (change.after !== undefined) this.#remove(change.after);
          if (change.before !== undefined) this.#insert(change.before);
        }
        if (bundleChanged) this.#setTrustBundle(oldBundle);
      },
    };
  }

  /** The canonical encoding of `{resources, trustBundle}` (what `canonicalJson` of the content gives), O(size). */
  toJson(): string {
    const kinds = KINDS_SORTED.map((kind) => `"${kind}":[${this.entries(kind).map((e) => e.json).join(',')}]`);
    return `{"resources":{${kinds.join(',')}},"trustBundle":${JSON.stringify(this.#trustBundle)}}`;
  }

  #entry(kind: ApisixKind, resource: ApisixResource): ResourceEntry {
    return entryOf(kind, resource, this.#immutable);
  }

  /** The checked changes of one kind: entries to put (upserts) and ids to drop. */
  #plan(kind: ApisixKind, changes: KindChanges): { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] {
    const given: unknown = changes;
    if (typeof given !== 'object' || given === null || !Array.isArray(changes.upserted) || !Array.isArray(changes.deleted)) {
      throw new MalformedResourcesError(`delta.changes.${kind}`, 'needs upserted and deleted lists');
    }
    const upserts = normalizeResources({ [kind]: changes.upserted })[kind];
    return this.#checkPlan(
      kind,
      upserts.map((resource) => this.#entry(kind, resource)),
      changes.deleted,
    );
  }

  /**
   * The plan of a delta's text, its upserts' entries made from their substrings; undefined when the text holds
   * something the canonical layout does not (a kind twice, ids out of order, a resource that is not an object with
   * a string id): the caller reads it the ordinary way, which reports it.
   */
  #planText(kinds: readonly KindChangesText[]): { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] | undefined {
    const planned: { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] = [];
    const seen = new Set<ApisixKind>();
    for (const { kind, deletedJson, upserted } of kinds) {
      if (seen.has(kind)) return undefined;
      seen.add(kind);
      const deleted = parseJsonText(deletedJson);
      if (!Array.isArray(deleted)) return undefined;
      const entries: ResourceEntry[] = [];
      let last: string | undefined;
      for (const json of upserted) {
        const resource = parseJsonText(json) as { id?: unknown } | null;
        if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || typeof resource.id !== 'string') return undefined;
        if (last !== undefined && resource.id <= last) return undefined;
        last = resource.id;
        entries.push(entryWithJson(kind, resource as { readonly id: string }, json));
      }
      planned.push(...this.#checkPlan(kind, entries, deleted as unknown[]));
    }
    return planned;
  }

  /** Upserts and deletions of one kind checked against each other and the state (throws DeltaApplyError). */
  #checkPlan(kind: ApisixKind, upserts: readonly ResourceEntry[], deletedIds: readonly unknown[]): { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] {
    const deleted = new Set<string>();
    for (const id of deletedIds) {
      if (typeof id !== 'string') throw new MalformedResourcesError(`delta.changes.${kind}.deleted`, 'must be a list of ids');
      if (deleted.has(id)) throw new DeltaApplyError(`${kind}: an id is deleted twice`);
      deleted.add(id);
    }
    const plan: { kind: ApisixKind; id: string; after: ResourceEntry | undefined }[] = [];
    for (const entry of upserts) {
      if (deleted.has(entry.id)) throw new DeltaApplyError(`${kind} "${entry.id}" is both upserted and deleted`);
      plan.push({ kind, id: entry.id, after: entry });
    }
    const missing = [...deleted].filter((id) => !this.#byKind[kind].has(id));
    if (missing.length > 0) throw new DeltaApplyError(`${kind}: cannot delete ${missing.map((id) => `"${id}"`).join(', ')}, not in the base`);
    for (const id of deleted) plan.push({ kind, id, after: undefined });
    return plan;
  }

  #setTrustBundle(trustBundle: readonly string[]): void {
    this.#trustBundle = trustBundle;
    this.#trustDigest = trustBundle.length === 0 ? EMPTY_TRUST_DIGEST : trustDigest(trustBundle);
    this.#trustProblems = validateTrustBundle(trustBundle);
    this.#hash = undefined;
    this.#byteSize = undefined;
  }

  /** The type of the target a reference names: undefined when absent; an ssl's type, '' for other kinds. */
  #targetType(target: ReferenceTarget, id: string): string | undefined {
    const entry = this.#byKind[target].get(id);
    return entry === undefined ? undefined : (entry.sslType ?? '');
  }

  #insert(entry: ResourceEntry): void {
    this.#byKind[entry.kind].set(entry.id, entry);
    const bucket = this.#buckets[entry.bucket] as ResourceEntry[];
    bucket.splice(insertionPoint(bucket, entry), 0, entry);
    this.#touched(entry);
    this.#resourceBytes += entry.bytes;
    if (entry.problems.length > 0) this.#invalid.add(entry);
    for (const ref of entry.refs) this.#countRef(ref.target, ref.id, 1);
    this.#countTarget(entry, 1);
  }

  #remove(entry: ResourceEntry): void {
    this.#countTarget(entry, -1);
    for (const ref of entry.refs) this.#countRef(ref.target, ref.id, -1);
    this.#byKind[entry.kind].delete(entry.id);
    const bucket = this.#buckets[entry.bucket] as ResourceEntry[];
    const at = insertionPoint(bucket, entry);
    if (bucket[at] === entry) bucket.splice(at, 1);
    this.#touched(entry);
    this.#resourceBytes -= entry.bytes;
    this.#invalid.delete(entry);
  }

  #touched(entry: ResourceEntry): void {
    this.#dirty.add(entry.bucket);
    this.#hash = undefined;
    this.#byteSize = undefined;
  }

  /** A reference added (+1) or dropped (-1), judged against the targets held now. */
  #countRef(target: ReferenceTarget, id: unknown, sign: 1 | -1): void {
    if (typeof id !== 'string') {
      this.#dangling += sign;
      return;
    }
    const key = `${target} ${id}`;
    const count = (this.#refCounts.get(key) ?? 0) + sign;
    if (count === 0) this.#refCounts.delete(key);
    else this.#refCounts.set(key, count);
    const type = this.#targetType(target, id);
    if (type === undefined) this.#dangling += sign;
    else if (target === 'ssls' && type !== 'client') this.#wrongKind += sign;
  }

  /** A possible target arriving (+1) or leaving (-1): the references to it stop or start dangling. */
  #countTarget(entry: ResourceEntry, sign: 1 | -1): void {
    if (entry.kind !== 'upstreams' && entry.kind !== 'plugin_configs' && entry.kind !== 'ssls') return;
    const count = this.#refCounts.get(`${entry.kind} ${entry.id}`) ?? 0;
    if (count === 0) return;
    this.#dangling -= sign * count;
    if (entry.kind === 'ssls' && entry.sslType !== 'client') this.#wrongKind += sign * count;
  }
}

/** Where `entry` sits (or would) in a bucket sorted by compareEntries. */
function insertionPoint(bucket: readonly ResourceEntry[], entry: ResourceEntry): number {
  let low = 0;
  let high = bucket.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareEntries(bucket[mid] as ResourceEntry, entry) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
