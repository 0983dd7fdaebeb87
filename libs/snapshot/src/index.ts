/**
 * @weft/snapshot — what a scope's APISIX config is as a value: canonical encoding, content hash, version,
 * validation (APISIX schemas + references), diff and apply; and ContentState, a scope held compactly (canonical
 * JSON per resource) whose hash and validation verdict are kept current per change, in O(change).
 */
export { buildSnapshot, isSchemaSupported, restoreSnapshot, snapshotByteSize } from './build.js';
export { CanonicalEncodingError, canonicalCopy, canonicalJson } from './canonical.js';
export { checkConsistency } from './consistency.js';
export { ContentState } from './content-state.js';
export { contentByteLength, contentHash, normalizeResources, normalizeTrustBundle } from './content.js';
export { applyDelta, countChanges, diffResources, diffSortedById, isEmptyDelta } from './delta.js';
export { deltaJson } from './delta-json.js';
export {
  DeltaApplyError,
  DeltaBaseMismatchError,
  DuplicateResourceIdError,
  HashMismatchError,
  InvalidVersionError,
  MalformedResourcesError,
  SnapshotError,
  SnapshotValidationError,
  UnknownKindError,
  UnsupportedSchemaError,
} from './errors.js';
export { JsonTextError, parseJsonText } from './json-text.js';
export { applySnapshotDelta, diffSnapshots } from './snapshot-delta.js';
export { assertValidSnapshot, validateResource, validateResources, validateSnapshot, validateTrustBundle } from './validate/index.js';
export { compareVersions, normalizeVersion } from './version.js';

export type { SnapshotInput } from './build.js';
export type { SnapshotContent } from './content.js';
export type { ContentStateOptions, ContentUpdate, EntryChange } from './content-state.js';
export type { KindChanges, ResourceChanges, ResourceDelta } from './delta.js';
export type { SnapshotProblem, SnapshotProblemCode } from './problems.js';
export type { Reference, ReferenceTarget } from './references.js';
export type { ResourceEntry } from './resource-entry.js';
export type { SnapshotDelta } from './snapshot-delta.js';
export type { ValidateOptions } from './validate/index.js';
