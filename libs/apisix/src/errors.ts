/** A read or watch asked for a revision older than the retained history (etcd's ErrCompacted). */
export class RevisionCompactedError extends Error {
  override readonly name = 'RevisionCompactedError';
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`mvcc: required revision has been compacted (asked ${requested}, compact revision ${compactRevision})`);
  }
}

/** A read asked for a revision the store has not reached yet (etcd's ErrFutureRev). */
export class FutureRevisionError extends Error {
  override readonly name = 'FutureRevisionError';
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`mvcc: required revision is a future revision (asked ${requested}, current ${current})`);
  }
}

/** A request the etcd API refuses before touching the store (etcd's InvalidArgument). */
export class InvalidEtcdRequestError extends Error {
  override readonly name = 'InvalidEtcdRequestError';
}

/** A resource that cannot be written to the store or the YAML file (bad id, unknown kind, `${{` in a value). */
export class InvalidResourceError extends Error {
  override readonly name = 'InvalidResourceError';
}
