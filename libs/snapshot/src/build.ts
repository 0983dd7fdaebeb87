import { SNAPSHOT_SCHEMA } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResources, Snapshot } from '@weft/model';
import { measureNormalized, normalizeResources, normalizeTrustBundle } from './content.js';
import { HashMismatchError, MalformedResourcesError, UnsupportedSchemaError } from './errors.js';
import { deepFreeze, freezeCanonicalCopy } from './frozen.js';
import { normalizeVersion } from './version.js';

export interface SnapshotInput {
  readonly cluster: string;
  readonly scope: string;
  /** 64-bit counter: bigint or decimal string. */
  readonly version: bigint | string;
  /** Kinds left out are empty. */
  readonly resources: Partial<ApisixResources>;
  readonly trustBundle?: readonly string[];
}

/** Size of a built snapshot's canonical encoding, kept beside it without being part of it. */
const byteSizes = new WeakMap<Snapshot, number>();

/**
 * The one way to make a `Snapshot`: kinds checked, each sorted by id, ids unique, resources copied into canonical
 * frozen form, hash computed, the whole value deep-frozen. Building again from a snapshot's own parts gives an equal
 * snapshot and copies nothing.
 */
export function buildSnapshot(input: SnapshotInput): Snapshot {
  if (typeof input.cluster !== 'string' || input.cluster === '') {
    throw new MalformedResourcesError('cluster', 'must be a non-empty string');
  }
  if (typeof input.scope !== 'string' || input.scope === '') {
    throw new MalformedResourcesError('scope', 'must be a non-empty string');
  }
  const version = normalizeVersion(input.version);
  const sorted = normalizeResources(input.resources);
  const resources = freezeResources(sorted);
  const trustBundle = deepFreeze(normalizeTrustBundle(input.trustBundle ?? []));
  const { hash, bytes } = measureNormalized({ resources, trustBundle });
  const snapshot: Snapshot = deepFreeze({
    meta: { schema: SNAPSHOT_SCHEMA, cluster: input.cluster, scope: input.scope, version, hash },
    resources,
    trustBundle,
  });
  byteSizes.set(snapshot, bytes);
  return snapshot;
}

function freezeResources(resources: ApisixResources): ApisixResources {
  const out: Partial<Record<ApisixKind, readonly ApisixResource[]>> = {};
  for (const [kind, list] of Object.entries(resources) as [ApisixKind, readonly ApisixResource[]][]) {
    const copies = list.map((resource) => freezeCanonicalCopy(resource));
    // Keep the caller's list when it already held exactly these frozen items (a rebuild copies nothing).
    out[kind] = Object.isFrozen(list) && copies.every((copy, i) => copy === list[i]) ? list : copies;
  }
  return deepFreeze(out as ApisixResources);
}

/** UTF-8 size of the snapshot's canonical encoding. */
export function snapshotByteSize(snapshot: Snapshot): number {
  const known = byteSizes.get(snapshot);
  if (known !== undefined) return known;
  const { bytes } = measureNormalized({
    resources: normalizeResources(snapshot.resources),
    trustBundle: normalizeTrustBundle(snapshot.trustBundle),
  });
  return bytes;
}

/** Major part of a `major.minor` schema string. */
function schemaMajor(schema: string): string {
  return schema.split('.')[0] ?? schema;
}

/** Whether this code can read a snapshot of format `schema` (same major). */
export function isSchemaSupported(schema: string): boolean {
  return typeof schema === 'string' && /^\d+\.\d+$/.test(schema) && schemaMajor(schema) === schemaMajor(SNAPSHOT_SCHEMA);
}

/**
 * A snapshot from the wire or from disk (parsed JSON): checks the schema major and that the content hashes to
 * `meta.hash`, then builds it. Throws `UnsupportedSchemaError`, `HashMismatchError` or a build error.
 */
export function restoreSnapshot(value: unknown): Snapshot {
  if (typeof value !== 'object' || value === null) throw new MalformedResourcesError('snapshot', 'must be an object');
  const { meta, resources, trustBundle } = value as Partial<Record<keyof Snapshot, unknown>>;
  if (typeof meta !== 'object' || meta === null) throw new MalformedResourcesError('meta', 'must be an object');
  const { schema, cluster, scope, version, hash } = meta as Partial<Record<string, unknown>>;
  if (typeof schema !== 'string' || !isSchemaSupported(schema)) {
    throw new UnsupportedSchemaError(String(schema), SNAPSHOT_SCHEMA);
  }
  if (typeof version !== 'string') throw new MalformedResourcesError('meta.version', 'must be a decimal string');
  if (typeof hash !== 'string') throw new MalformedResourcesError('meta.hash', 'must be a string');
  const snapshot = buildSnapshot({
    cluster: cluster as string,
    scope: scope as string,
    version,
    resources: resources as Partial<ApisixResources>,
    trustBundle: trustBundle as readonly string[],
  });
  if (snapshot.meta.hash !== hash) throw new HashMismatchError(hash, snapshot.meta.hash, 'snapshot');
  return snapshot;
}
