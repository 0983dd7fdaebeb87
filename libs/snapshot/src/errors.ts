import type { SnapshotProblem } from './problems.js';

/** Base of every error this library throws, so callers can catch them as one family. */
export class SnapshotError extends Error {
  override readonly name: string = 'SnapshotError';
}

/** A resources object with a key that is not one of `APISIX_KINDS`. */
export class UnknownKindError extends SnapshotError {
  override readonly name = 'UnknownKindError';
  constructor(readonly kind: string) {
    super(`unknown resource kind "${kind}"`);
  }
}

/** Two resources of one kind share an id. */
export class DuplicateResourceIdError extends SnapshotError {
  override readonly name = 'DuplicateResourceIdError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`duplicate ${kind} id "${id}"`);
  }
}

/** Input that is not shaped like resources at all (a kind that is not a list, an item without a string id…). */
export class MalformedResourcesError extends SnapshotError {
  override readonly name = 'MalformedResourcesError';
  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${reason}`, options);
  }
}

/** A version that is not an unsigned 64-bit integer. */
export class InvalidVersionError extends SnapshotError {
  override readonly name = 'InvalidVersionError';
  constructor(readonly version: unknown) {
    super(`version must be an integer in [0, 2^64-1] given as bigint or decimal string, got ${describe(version)}`);
  }
}

/** A snapshot whose major schema this code does not know. */
export class UnsupportedSchemaError extends SnapshotError {
  override readonly name = 'UnsupportedSchemaError';
  constructor(
    readonly schema: string,
    readonly supported: string,
  ) {
    super(`snapshot schema ${schema} is not supported (this code speaks ${supported})`);
  }
}

/** Content that does not hash to the hash it claims. */
export class HashMismatchError extends SnapshotError {
  override readonly name = 'HashMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: expected hash ${expected}, content hashes to ${actual}`);
  }
}

/** A delta offered to a base it was not cut from. */
export class DeltaBaseMismatchError extends SnapshotError {
  override readonly name = 'DeltaBaseMismatchError';
}

/** A delta that cannot be applied to the base (deletes an id the base does not hold). */
export class DeltaApplyError extends SnapshotError {
  override readonly name = 'DeltaApplyError';
}

/** A snapshot that failed validation; `problems` lists every reason. */
export class SnapshotValidationError extends SnapshotError {
  override readonly name = 'SnapshotValidationError';
  constructor(readonly problems: readonly SnapshotProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(first === undefined ? 'invalid snapshot' : `invalid snapshot: ${first.path}: ${first.message}${more}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  return typeof value === 'object' ? JSON.stringify(value) : typeof value;
}
