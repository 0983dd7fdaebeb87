import { readFile } from 'node:fs/promises';
import { contentHash, parseJsonText, restoreSnapshot } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import type { IncomingMeta } from './applier.js';

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
}

/** A snapshot file as the offline mode reads it: the meta to check it against, and its content. */
export interface SnapshotFileContent {
  readonly meta: IncomingMeta;
  readonly content: unknown;
}

/**
 * Reads `--snapshot FILE`: JSON holding either a whole `Snapshot` ({meta, resources, trustBundle}: its meta and hash
 * are checked) or only a `SnapshotContent` ({resources, trustBundle}: it gets `cluster`, scope `offline` and
 * `version`). Validation is the applier's; this only reads and shapes.
 */
export async function readSnapshotFile(path: string, defaults: { readonly cluster: string; readonly version: string }): Promise<SnapshotFileContent> {
  let value: unknown;
  try {
    // Not JSON.parse: V8 can misread an escaped object key after an earlier parse (nodejs/node#63785).
    value = parseJsonText(await readFile(path, 'utf8'));
  } catch (err) {
    throw new SnapshotFileError(`cannot read snapshot file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SnapshotFileError(`${path}: not a JSON object`);
  try {
    if ('meta' in value) {
      const snapshot = restoreSnapshot(value);
      return { meta: snapshot.meta, content: snapshot };
    }
    // Off the disk: either field may be missing.
    const content = value as Partial<SnapshotContent>;
    if (content.resources === undefined) throw new SnapshotFileError(`${path}: neither a Snapshot ({meta, resources, trustBundle}) nor a SnapshotContent ({resources, trustBundle})`);
    const resources = content.resources;
    const trustBundle = content.trustBundle ?? [];
    const hash = contentHash(resources, trustBundle);
    return { meta: { cluster: defaults.cluster, scope: 'offline', version: defaults.version, hash }, content: { resources, trustBundle } };
  } catch (err) {
    throw new SnapshotFileError(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
