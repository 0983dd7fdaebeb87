import type { Logger } from '@weft/telemetry';
import type { ApplyOutcome } from './applier.js';
import type { AgentMetrics } from './metrics.js';

/** One log line and the metrics (when kept) of an apply outcome. */
export function recordOutcome(outcome: ApplyOutcome, metrics: AgentMetrics | undefined, log: Logger, source: Readonly<Record<string, unknown>>): void {
  if (outcome.type === 'applied') {
    const { meta } = outcome;
    metrics?.appliedVersion.set(Number(meta.version));
    metrics?.applySeconds.observe(outcome.durationMs / 1000);
    log.info({ ...source, scope: meta.scope, version: meta.version, hash: meta.hash, applyMs: Math.round(outcome.durationMs * 100) / 100, persistMs: Math.round(outcome.persistMs * 100) / 100 }, 'applied');
  } else if (outcome.type === 'rejected') {
    metrics?.rejected.inc({ reason: outcome.reason });
    log.error({ ...source, version: outcome.version, reason: outcome.reason, error: outcome.error }, 'snapshot rejected; the last good one keeps serving');
  } else if (outcome.type === 'held') {
    log.debug({ ...source, version: outcome.version, reason: outcome.reason }, 'version taken as a base, not served');
  }
}
