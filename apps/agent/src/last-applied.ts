import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseJsonText } from '@weft/snapshot';

/** What the agent keeps on disk: the last snapshot it applied, and the config store revision it reached. */
export interface LastApplied<S> {
  readonly snapshot: S;
  /** The etcd-API revision after applying it; a restarted store starts above it so revisions never go back. */
  readonly revision: string;
}

export class LastAppliedError extends Error {
  override readonly name = 'LastAppliedError';
}

/**
 * The last applied snapshot in the agent's state folder, so an agent restarted while NATS is down serves its
 * config at once. Written atomically (temp file, fsync, rename, fsync of the folder): a crash leaves the old file
 * or the new one, never half of one.
 */
export class LastAppliedFile<S> {
  readonly path: string;

  constructor(stateDir: string, fileName = 'last-applied.json') {
    this.path = join(stateDir, fileName);
  }

  async save(value: LastApplied<S>): Promise<void> {
    await this.saveText(JSON.stringify(value));
  }

  /** Saves JSON text that the caller already has (it must encode a `LastApplied`), atomically as `save` does. */
  async saveText(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** The saved value, undefined when there is none; a file that cannot be read as one throws LastAppliedError. */
  async load(): Promise<LastApplied<S> | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LastAppliedError(`cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let value: unknown;
    try {
      // Not JSON.parse: V8 can misread an escaped object key after an earlier parse (nodejs/node#63785).
      value = parseJsonText(text);
    } catch (err) {
      throw new LastAppliedError(`${this.path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof value !== 'object' || value === null || !('snapshot' in value) || !('revision' in value) || typeof value.revision !== 'string') {
      throw new LastAppliedError(`${this.path} has no snapshot and revision`);
    }
    return value as LastApplied<S>;
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
