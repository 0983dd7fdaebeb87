import { LastAppliedFile } from './last-applied.js';

/** Revisions reserved per write: a write (with fsync) per thousand applies, not one per apply. */
export const REVISION_BLOCK = 1000;

/**
 * The etcd-API revisions this agent may hand out, reserved on disk before use (write-ahead): a restarted agent
 * starts its store above everything reserved, so revisions APISIX saw never come back. Reserving a block at a
 * time keeps the fsync off the path of almost every apply; a restart skips at most one block (revisions may jump,
 * never go back).
 */
export class RevisionReservation {
  readonly #file: LastAppliedFile<null>;
  readonly #block: number;
  #reserved: number;

  private constructor(file: LastAppliedFile<null>, reserved: number, block: number) {
    this.#file = file;
    this.#reserved = reserved;
    this.#block = block;
  }

  /** Reads the reservation kept in `stateDir` (0 when there is none; an unreadable file throws). */
  static async load(stateDir: string, block = REVISION_BLOCK): Promise<RevisionReservation> {
    const file = new LastAppliedFile<null>(stateDir, 'etcd-revision.json');
    const saved = await file.load();
    const reserved = saved === undefined ? 0 : Number(saved.revision);
    return new RevisionReservation(file, Number.isSafeInteger(reserved) && reserved > 0 ? reserved : 0, block);
  }

  /** Every revision up to this one may have been handed out: the next store's `revisionFloor`. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Makes sure `revision` is reserved on disk before the caller hands it out. */
  async cover(revision: number): Promise<void> {
    if (revision <= this.#reserved) return;
    const next = revision + this.#block;
    await this.#file.save({ snapshot: null, revision: String(next) });
    this.#reserved = next;
  }
}
