import type { Snapshot } from '@weft/model';
import { buildSnapshot, isSchemaSupported } from './build.js';
import { applyDelta, diffResources } from './delta.js';
import type { ResourceDelta } from './delta.js';
import { DeltaBaseMismatchError, HashMismatchError, UnsupportedSchemaError } from './errors.js';
import { compareVersions } from './version.js';

/**
 * A delta between two snapshots, carrying both ends' identity so that a receiver can check it applies it to the
 * base it was cut from, and that the result is what the sender had.
 */
export interface SnapshotDelta extends ResourceDelta {
  readonly schema: string;
  readonly cluster: string;
  /** Scope of the target snapshot. */
  readonly scope: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly fromHash: string;
  readonly toHash: string;
}

/** The delta from `from` to `to`; empty when their hashes are equal. */
export function diffSnapshots(from: Snapshot, to: Snapshot): SnapshotDelta {
  const content = from.meta.hash === to.meta.hash ? { changes: {} } : diffResources(from, to);
  return {
    schema: to.meta.schema,
    cluster: to.meta.cluster,
    scope: to.meta.scope,
    fromVersion: from.meta.version,
    toVersion: to.meta.version,
    fromHash: from.meta.hash,
    toHash: to.meta.hash,
    ...content,
  };
}

/**
 * `base` moved forward by `delta`. Throws `DeltaBaseMismatchError` when `base` is not the snapshot the delta was cut
 * from (or the delta does not move forward), `HashMismatchError` when the result is not what the sender had, and
 * `UnsupportedSchemaError` for an unknown major format. Either way `base` is untouched: keep serving it.
 */
export function applySnapshotDelta(base: Snapshot, delta: SnapshotDelta): Snapshot {
  if (!isSchemaSupported(delta.schema)) throw new UnsupportedSchemaError(delta.schema, base.meta.schema);
  if (delta.cluster !== base.meta.cluster) {
    throw new DeltaBaseMismatchError(`delta is for cluster ${delta.cluster}, base is of cluster ${base.meta.cluster}`);
  }
  if (delta.fromVersion !== base.meta.version || delta.fromHash !== base.meta.hash) {
    throw new DeltaBaseMismatchError(
      `delta applies to version ${delta.fromVersion} (${delta.fromHash.slice(0, 12)}), ` +
        `base is version ${base.meta.version} (${base.meta.hash.slice(0, 12)})`,
    );
  }
  if (compareVersions(delta.toVersion, delta.fromVersion) <= 0) {
    throw new DeltaBaseMismatchError(`delta goes from version ${delta.fromVersion} to ${delta.toVersion}, not forward`);
  }
  const content = applyDelta(base, delta);
  const next = buildSnapshot({
    cluster: delta.cluster,
    scope: delta.scope,
    version: delta.toVersion,
    resources: content.resources,
    trustBundle: content.trustBundle,
  });
  if (next.meta.hash !== delta.toHash) throw new HashMismatchError(delta.toHash, next.meta.hash, `delta to version ${delta.toVersion}`);
  return next;
}
