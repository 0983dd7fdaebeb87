import { unwatchFile, watchFile } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Logger } from '@weft/telemetry';
import type { SnapshotApplier } from './applier.js';
import type { AgentMetrics } from './metrics.js';
import { recordOutcome } from './outcome.js';
import { readSnapshotFile } from './snapshot-file.js';

export interface OfflineOptions {
  readonly path: string;
  readonly cluster: string;
  readonly applier: SnapshotApplier;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** How often the file is checked for changes. */
  readonly pollMs?: number;
  /** After each read of the file (a full state). */
  readonly onFullState?: () => void;
}

/**
 * The offline mode (`--snapshot FILE`): serves the file, then re-applies it whenever it changes. A bad file is
 * reported and the last good snapshot keeps serving. No NATS. Returns once `signal` aborts.
 */
export async function runOffline(options: OfflineOptions): Promise<void> {
  const { applier, metrics, logger, path } = options;
  let running = Promise.resolve();
  let lastStat = '';
  const load = async (): Promise<void> => {
    const receivedAt = performance.now();
    // One write can fire several change events; a file seen unchanged is not read again.
    const seen = await stat(path).then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`, () => 'missing');
    if (seen === lastStat) return;
    lastStat = seen;
    // A file without meta gets the next version, so each change is a new version.
    const version = String(Number(applier.served?.version ?? '0') + 1);
    let outcome;
    try {
      const file = await readSnapshotFile(path, { cluster: options.cluster, version });
      metrics.updates.inc({ type: 'full', reason: 'offline' });
      outcome = await applier.full(file.meta, file.content, receivedAt);
    } catch (err) {
      outcome = applier.refused(undefined, err as Error);
    }
    recordOutcome(outcome, metrics, logger, { file: path });
    options.onFullState?.();
  };
  running = load();
  await running;
  const onChange = (): void => {
    running = running.then(load);
  };
  watchFile(path, { interval: options.pollMs ?? 250 }, onChange);
  try {
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => {
        resolve();
      }, { once: true });
    });
  } finally {
    unwatchFile(path, onChange);
    await running;
  }
}
