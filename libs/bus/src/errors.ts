/** Base of every error libs/bus raises, so callers can catch the whole family. */
export class BusError extends Error {
  override readonly name: string = 'BusError';
}

/** A cluster, scope or agent id that cannot be a NATS subject token (or a stream name part). */
export class InvalidIdError extends BusError {
  override readonly name = 'InvalidIdError';
  constructor(
    readonly kind: 'cluster' | 'scope' | 'agent',
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${kind} id ${JSON.stringify(value)}: ${reason}`);
  }
}

/** A version that is not a decimal counter in the safe integer range. */
export class InvalidVersionError extends BusError {
  override readonly name = 'InvalidVersionError';
  constructor(readonly value: string) {
    super(`invalid version ${JSON.stringify(value)}: expected a decimal counter (0 ≤ v ≤ 2^53-1)`);
  }
}

/** A message whose schema major this side does not know: refused, never applied. */
export class SchemaMajorError extends BusError {
  override readonly name = 'SchemaMajorError';
  constructor(
    readonly schema: string,
    readonly acceptedMajors: readonly number[],
  ) {
    super(`schema ${JSON.stringify(schema)} refused: known majors are ${acceptedMajors.join(', ')}`);
  }
}

/** A message that does not decode: bad headers, chunks that do not add up, a body hash that does not match. */
export class IntegrityError extends BusError {
  override readonly name = 'IntegrityError';
}

/** A document too large for the stream's limits even compressed and chunked. */
export class PayloadTooLargeError extends BusError {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly what: string,
    readonly chunks: number,
    readonly maxChunks: number,
  ) {
    super(`${what} needs ${chunks} chunks, more than the ${maxChunks} allowed (raise maxMessagesPerSubject or max_payload)`);
  }
}

/** Another publisher kept moving the stream's last sequence: the version could not be claimed. */
export class VersionConflictError extends BusError {
  override readonly name = 'VersionConflictError';
}

/** A publish that JetStream did not store (server down, stream missing, rejected batch). */
export class PublishError extends BusError {
  override readonly name: string = 'PublishError';
}

/** No NATS server answered the first connection (or it refused the credentials). */
export class ConnectError extends BusError {
  override readonly name = 'ConnectError';
}

/** An operation on a closed bus, subscription or watch. */
export class BusClosedError extends BusError {
  override readonly name = 'BusClosedError';
}
