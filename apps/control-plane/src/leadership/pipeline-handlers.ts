import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@weft/telemetry';
import type { MeshPipeline } from '../mesh-pipeline.js';
import type { LeadershipHandlers } from './leadership.js';

export interface PipelineHandlersOptions {
  readonly log: Logger;
  /** Replaces the scope publisher, so the new term reads the stream's heads rather than what this replica saw before. */
  readonly renewPublisher: () => void;
  /** Forgets which route statuses were written, so the new leader compares with the routes themselves. */
  readonly resetStatus: () => void;
  /** How long stepping down waits for the pass in flight before the Lease is released anyway (default 5 s). */
  readonly drainMs?: number;
}

/** What the pipeline does when this replica starts or stops leading. */
export function pipelineHandlers(pipeline: MeshPipeline, options: PipelineHandlersOptions): LeadershipHandlers {
  const { log } = options;
  return {
    onStartedLeading() {
      options.renewPublisher();
      options.resetStatus();
      // Followers have translated every change already: one publish pass and the new leader is current.
      pipeline.publishLatest('became-leader').catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'publishing after taking over failed; the next change retries');
      });
    },
    async onStoppedLeading() {
      options.resetStatus();
      // Publishing already stopped (every write checks leadership); wait for the pass in flight, within a bound.
      const drained = await Promise.race([pipeline.forgetPublished().then(() => true), delay(options.drainMs ?? 5_000, false, { ref: false })]);
      if (!drained) log.warn({ waitedMs: options.drainMs ?? 5_000 }, 'the pass in flight did not finish before stepping down');
    },
  };
}
