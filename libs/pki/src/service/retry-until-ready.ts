import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@weft/telemetry';

/**
 * Runs `start` until it succeeds, with growing pauses (1 s → 30 s), logging each failure with `waiting` (what the
 * service waits for); AbortError on `signal`. A certificate service keeps trying to get what it signs or serves with
 * (its CA, its serving certificate) instead of exiting, so a late API server or issuer only delays it.
 */
export async function retryUntilReady<T>(log: Logger, signal: AbortSignal | undefined, waiting: string, start: () => Promise<T>): Promise<T> {
  let waitMs = 1_000;
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await start();
    } catch (err) {
      log.error({ err: (err as Error).message, retryInMs: waitMs }, waiting);
      await sleep(waitMs, undefined, signal === undefined ? {} : { signal });
      waitMs = Math.min(waitMs * 2, 30_000);
    }
  }
}
