/**
 * @weft/snapshot — what a scope's APISIX config is as a value: canonical encoding, content hash, version,
 * validation (APISIX schemas + references), diff and apply.
 */
export { buildSnapshot, isSchemaSupported, restoreSnapshot, snapshotByteSize } from './build.js';
export { CanonicalEncodingError, canonicalCopy, canonicalJson } from './canonical.js';
export { checkConsistency } from './consistency.js';
export { contentByteLength, contentHash, normalizeResources, normalizeTrustBundle } from './content.js';
export { applyDelta, countChanges, diffResources, isEmptyDelta } from './delta.js';
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
export { assertValidSnapshot, validateResources, validateSnapshot, validateTrustBundle } from './validate/index.js';
export { compareVersions, normalizeVersion } from './version.js';

export type { SnapshotInput } from './build.js';
export type { SnapshotContent } from './content.js';
export type { KindChanges, ResourceChanges, ResourceDelta } from './delta.js';
export type { SnapshotProblem, SnapshotProblemCode } from './problems.js';
export type { SnapshotDelta } from './snapshot-delta.js';
export type { ValidateOptions } from './validate/index.js';
