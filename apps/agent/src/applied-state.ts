import { writeSync } from 'node:fs';
import { open, readFile, rm, stat, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import type { SnapshotMeta } from '@weft/model';
import { compareVersions, ContentState, parseJsonText } from '@weft/snapshot';
import type { ResourceDelta } from '@weft/snapshot';
import type { PersistRecord } from './applier.js';
import { LastAppliedError, LastAppliedFile } from './last-applied.js';

/** What a restart finds on disk: the version last served, its content, and the etcd revision it reached. */
export interface AppliedState {
  readonly meta: SnapshotMeta;
  readonly state: ContentState;
  readonly revision: number;
}

export interface AppliedStateFileOptions {
  /** The journal is folded into a new base once it is larger than this, or than half the base (default 64 KiB). */
  readonly compactAboveBytes?: number;
  /**
   * Journal lines are fsynced together this long after the first one not yet synced (default 1000 ms; 0: each line
   * before `save` returns). A process crash loses nothing either way (the lines are written); a power cut loses at
   * most this much of the journal, and the restarted agent then serves that older version until NATS answers.
   */
  readonly syncDelayMs?: number;
}

/** One journal line: a served version as a delta onto the one before. */
interface JournalLine {
  readonly meta: SnapshotMeta;
  readonly baseVersion: string;
  readonly revision: string;
  readonly delta: ResourceDelta;
}

/**
 * The last served version on disk, so a restarted agent serves it before NATS answers, kept without rewriting the
 * whole scope for every small change: a base file (`last-applied.json`, a whole Snapshot document, written
 * atomically) and a journal (`last-applied.journal`, one line per served version after it: its delta and meta,
 * appended to a file kept open, fsynced in batches: see `syncDelayMs`). Opening, syncing and closing the file for
 * every version cost an agent more CPU than applying the version. The journal is folded into a new base when it
 * grows past half the base. Reading replays the journal onto the base, checking every hash; a torn last line (a
 * crash mid-append) is cut off. `close()` syncs what is pending.
 */
export class AppliedStateFile {
  readonly #base: LastAppliedFile<unknown>;
  readonly journalPath: string;
  readonly #compactAbove: number;
  readonly #syncDelayMs: number;
  #baseBytes = 0;
  #journalBytes = 0;
  /** The journal, open for appending while lines go into it. */
  #journal: FileHandle | undefined;
  /** A batched fsync of the journal, due or running. */
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> = Promise.resolve();

  constructor(stateDir: string, options: AppliedStateFileOptions = {}) {
    this.#base = new LastAppliedFile<unknown>(stateDir);
    this.journalPath = join(stateDir, 'last-applied.journal');
    this.#compactAbove = options.compactAboveBytes ?? 64 * 1024;
    this.#syncDelayMs = options.syncDelayMs ?? 1000;
  }

  get path(): string {
    return this.#base.path;
  }

  /**
   * The state last saved, undefined when there is none. Throws LastAppliedError when the base cannot be used (not
   * JSON, not a snapshot, a hash that does not match); journal lines that do not follow are dropped from the file.
   */
  async load(): Promise<AppliedState | undefined> {
    const saved = await this.#base.load();
    if (saved === undefined) return undefined;
    this.#baseBytes = (await stat(this.#base.path)).size;
    const base = restoreBase(saved.snapshot, this.#base.path);
    const { state } = base;
    let { meta } = base;
    let revision = Number(saved.revision);
    const journal = await readFile(this.journalPath, 'utf8').catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new LastAppliedError(`cannot read ${this.journalPath}: ${(err as Error).message}`, { cause: err });
    });
    const journalBytes = Buffer.byteLength(journal, 'utf8');
    let kept = 0;
    for (const line of journal.split('\n')) {
      const next = kept + Buffer.byteLength(line, 'utf8') + 1;
      // The part after the last newline is empty, or a line cut short by a crash.
      if (line === '' || next > journalBytes) break;
      const applied = replay(line, meta, state);
      if (applied === 'stop') break;
      if (applied !== 'skip') {
        meta = applied.meta;
        revision = Number(applied.revision);
      }
      kept = next;
    }
    if (kept < journalBytes) await truncate(this.journalPath, kept);
    this.#journalBytes = kept;
    return { meta, state, revision: Number.isSafeInteger(revision) ? revision : 0 };
  }

  /** Keeps the version just served: a journal line for a delta, or a new base (a full state, or a long journal). */
  async save(record: PersistRecord, revision: string): Promise<void> {
    if (record.delta !== undefined && this.#journalBytes <= Math.max(this.#compactAbove, this.#baseBytes / 2)) {
      const line = `{"baseVersion":${JSON.stringify(record.delta.baseVersion)},"delta":${record.delta.json},"meta":${JSON.stringify(record.meta)},"revision":${JSON.stringify(revision)}}\n`;
      this.#journal ??= await open(this.journalPath, 'a', 0o600);
      // A line of a few hundred bytes into the page cache: a plain write(2) costs less than a thread-pool round trip.
      writeSync(this.#journal.fd, line);
      this.#journalBytes += Buffer.byteLength(line, 'utf8');
      if (this.#syncDelayMs === 0) await this.#journal.datasync();
      else this.#syncJournalSoon();
      return;
    }
    // `{"meta":…,"resources":…,"trustBundle":…}`: a Snapshot document, readable by restoreSnapshot and --snapshot.
    const content = record.contentJson();
    const text = `{"revision":${JSON.stringify(revision)},"snapshot":{"meta":${JSON.stringify(record.meta)},${content.slice(1)}}`;
    await this.#base.saveText(text);
    this.#baseBytes = Buffer.byteLength(text, 'utf8');
    // After the new base is in place: a crash in between leaves journal lines the base already covers (skipped).
    await this.#closeJournal(false);
    await rm(this.journalPath, { force: true });
    this.#journalBytes = 0;
  }

  /** Syncs the journal lines not yet on disk and closes the journal (a later `save` opens it again). */
  async close(): Promise<void> {
    await this.#closeJournal(true);
  }

  #syncJournalSoon(): void {
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      const journal = this.#journal;
      // Best effort: the lines are written; a failed sync only widens what a power cut could lose.
      if (journal !== undefined) this.#syncing = journal.datasync().catch(() => undefined);
    }, this.#syncDelayMs);
    this.#syncTimer.unref();
  }

  async #closeJournal(sync: boolean): Promise<void> {
    const pending = this.#syncTimer !== undefined;
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#syncing;
    const journal = this.#journal;
    if (journal === undefined) return;
    this.#journal = undefined;
    try {
      if (sync && pending) await journal.datasync();
    } finally {
      await journal.close();
    }
  }
}

function restoreBase(value: unknown, path: string): { meta: SnapshotMeta; state: ContentState } {
  const snapshot = (typeof value === 'object' && value !== null ? value : {}) as { meta?: unknown; resources?: unknown; trustBundle?: unknown };
  const meta = (typeof snapshot.meta === 'object' && snapshot.meta !== null ? snapshot.meta : {}) as Partial<Record<keyof SnapshotMeta, unknown>>;
  if (typeof meta.version !== 'string' || typeof meta.hash !== 'string' || typeof meta.scope !== 'string' || typeof meta.cluster !== 'string') {
    throw new LastAppliedError(`${path} holds no snapshot meta`);
  }
  let state: ContentState;
  try {
    state = ContentState.from({ resources: snapshot.resources ?? {}, trustBundle: (snapshot.trustBundle ?? []) as string[] });
  } catch (err) {
    throw new LastAppliedError(`${path}: ${(err as Error).message}`, { cause: err });
  }
  if (state.hash !== meta.hash) throw new LastAppliedError(`${path}: content hashes to ${state.hash}, not the saved ${meta.hash}`);
  const schema = typeof meta.schema === 'string' ? meta.schema : SNAPSHOT_SCHEMA;
  return { meta: { schema, cluster: meta.cluster, scope: meta.scope, version: meta.version, hash: meta.hash }, state };
}

/** Applies one journal line onto the state: the line's meta, `skip` (the base already covers it) or `stop`. */
function replay(line: string, meta: SnapshotMeta, state: ContentState): JournalLine | 'skip' | 'stop' {
  let value: unknown;
  try {
    value = parseJsonText(line);
  } catch {
    return 'stop';
  }
  const entry = value as JournalLine;
  if (typeof value !== 'object' || value === null || typeof entry.meta !== 'object' || typeof entry.baseVersion !== 'string') return 'stop';
  if (entry.meta.scope !== meta.scope) return 'stop';
  if (entry.baseVersion !== meta.version) {
    try {
      return compareVersions(entry.meta.version, meta.version) <= 0 ? 'skip' : 'stop';
    } catch {
      return 'stop';
    }
  }
  let update;
  try {
    update = state.update(entry.delta);
  } catch {
    return 'stop';
  }
  if (state.hash !== entry.meta.hash) {
    update.undo();
    return 'stop';
  }
  return entry;
}
