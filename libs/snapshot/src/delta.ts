import { APISIX_KINDS, isApisixKind } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResourceByKind, ApisixResources } from '@weft/model';
import type { SnapshotContent } from './content.js';
import { normalizeResources, normalizeTrustBundle } from './content.js';
import { DeltaApplyError, MalformedResourcesError, UnknownKindError } from './errors.js';
import { encodingOf } from './frozen.js';

/** What changed in one kind: resources added or replaced (sorted by id), and ids removed (sorted). */
export interface KindChanges<K extends ApisixKind = ApisixKind> {
  readonly upserted: readonly ApisixResourceByKind[K][];
  readonly deleted: readonly string[];
}

/** Only the kinds that changed are present. */
export type ResourceChanges = { readonly [K in ApisixKind]?: KindChanges<K> };

/** The difference between two snapshot contents; its size follows the change, not the snapshot. */
export interface ResourceDelta {
  readonly changes: ResourceChanges;
  /** The whole new trust bundle, present only when it changed (it is small, and changes rarely). */
  readonly trustBundle?: readonly string[];
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What to upsert and delete to turn `a` into `b`. A resource counts as changed iff its canonical encoding differs;
 * resources that are the same object (as in two snapshots sharing frozen items) are skipped without encoding.
 */
export function diffResources(a: SnapshotContent, b: SnapshotContent): ResourceDelta {
  const from = normalizeResources(a.resources);
  const to = normalizeResources(b.resources);
  const changes: Partial<Record<ApisixKind, KindChanges>> = {};
  for (const kind of APISIX_KINDS) {
    const kindChanges = diffKind(from[kind], to[kind]);
    if (kindChanges !== undefined) changes[kind] = kindChanges;
  }
  const fromBundle = normalizeTrustBundle(a.trustBundle);
  const toBundle = normalizeTrustBundle(b.trustBundle);
  const bundleChanged = fromBundle.length !== toBundle.length || fromBundle.some((pem, i) => pem !== toBundle[i]);
  // Each kind's changes came from that kind's lists, so the per-kind typing holds.
  const typed = changes as ResourceChanges;
  return bundleChanged ? { changes: typed, trustBundle: toBundle } : { changes: typed };
}

/** Merge walk over two id-sorted lists; resources under the same id count as changed unless `same` says not. */
export function diffSortedById(
  from: readonly ApisixResource[],
  to: readonly ApisixResource[],
  same: (before: ApisixResource, after: ApisixResource) => boolean,
): KindChanges | undefined {
  if (from === to) return undefined;
  const upserted: ApisixResource[] = [];
  const deleted: string[] = [];
  let i = 0;
  let j = 0;
  while (i < from.length || j < to.length) {
    const x = from[i];
    const y = to[j];
    if (x !== undefined && x === y) {
      i++;
      j++;
    } else if (y === undefined || (x !== undefined && x.id < y.id)) {
      deleted.push((x as ApisixResource).id);
      i++;
    } else if (x === undefined || y.id < x.id) {
      upserted.push(y);
      j++;
    } else {
      if (!same(x, y)) upserted.push(y);
      i++;
      j++;
    }
  }
  return upserted.length === 0 && deleted.length === 0 ? undefined : { upserted, deleted };
}

const sameEncoding = (x: ApisixResource, y: ApisixResource): boolean => encodingOf(x) === encodingOf(y);

function diffKind(from: readonly ApisixResource[], to: readonly ApisixResource[]): KindChanges | undefined {
  return diffSortedById(from, to, sameEncoding);
}

/** `base` with `delta` applied. Kinds the delta does not touch keep their lists as they are. */
export function applyDelta(base: SnapshotContent, delta: ResourceDelta): SnapshotContent {
  const resources = normalizeResources(base.resources);
  if (typeof delta !== 'object' || typeof delta.changes !== 'object') {
    throw new MalformedResourcesError('delta.changes', 'must be an object keyed by kind');
  }
  const out: Record<ApisixKind, readonly ApisixResource[]> = { ...resources };
  for (const [kind, kindChanges] of Object.entries(delta.changes) as [string, KindChanges | undefined][]) {
    if (!isApisixKind(kind)) throw new UnknownKindError(kind);
    if (kindChanges === undefined) continue;
    out[kind] = applyKind(kind, resources[kind], kindChanges);
  }
  return {
    resources: out as ApisixResources,
    trustBundle: delta.trustBundle ?? base.trustBundle,
  };
}

function applyKind(kind: ApisixKind, base: readonly ApisixResource[], changes: KindChanges): readonly ApisixResource[] {
  if (!Array.isArray(changes.upserted) || !Array.isArray(changes.deleted)) {
    throw new MalformedResourcesError(`delta.changes.${kind}`, 'needs upserted and deleted lists');
  }
  const upserts = normalizeResources({ [kind]: changes.upserted })[kind];
  const deleted = new Set(changes.deleted);
  if (deleted.size !== changes.deleted.length) throw new DeltaApplyError(`${kind}: an id is deleted twice`);
  for (const resource of upserts) {
    if (deleted.has(resource.id)) throw new DeltaApplyError(`${kind} "${resource.id}" is both upserted and deleted`);
  }
  const result: ApisixResource[] = [];
  let found = 0;
  let j = 0;
  for (const current of base) {
    // Emit the new resources that sort before this one.
    while (j < upserts.length && compareIds((upserts[j] as ApisixResource).id, current.id) < 0) {
      result.push(upserts[j] as ApisixResource);
      j++;
    }
    const replacement = upserts[j];
    if (replacement !== undefined && replacement.id === current.id) {
      result.push(replacement);
      j++;
    } else if (deleted.has(current.id)) found++;
    else result.push(current);
  }
  for (; j < upserts.length; j++) result.push(upserts[j] as ApisixResource);
  if (found !== deleted.size) {
    const missing = [...deleted].filter((id) => !base.some((resource) => resource.id === id));
    throw new DeltaApplyError(`${kind}: cannot delete ${missing.map((id) => `"${id}"`).join(', ')}, not in the base`);
  }
  return result;
}

/** Number of upserts and deletes (plus one for a new trust bundle): the "changed count" of a push. */
export function countChanges(delta: ResourceDelta): number {
  let count = delta.trustBundle === undefined ? 0 : 1;
  for (const kindChanges of Object.values(delta.changes) as (KindChanges | undefined)[]) {
    if (kindChanges !== undefined) count += kindChanges.upserted.length + kindChanges.deleted.length;
  }
  return count;
}

export function isEmptyDelta(delta: ResourceDelta): boolean {
  return countChanges(delta) === 0;
}
