import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from '@weft/telemetry';

/** The agent's own metrics (process metrics come with the registry). Label values are closed sets. */
export interface AgentMetrics {
  /** Version serving now. */
  readonly appliedVersion: Gauge;
  /** From receipt of a version to the stores applied. */
  readonly applySeconds: Histogram;
  /** Versions received, by `type` (full | delta) and for full states the `reason` (initial, behind, reset, resync, restored, offline, …). */
  readonly updates: Counter<'type' | 'reason'>;
  /** Versions not served, by reason (malformed, hash-mismatch, invalid, too-large, refused, store-failed). */
  readonly rejected: Counter<'reason'>;
  /** 1 while connected to NATS. */
  readonly natsConnected: Gauge;
  /** Status reports by result (ok | failed). */
  readonly statusReports: Counter<'result'>;
}

export function createAgentMetrics(registry: Registry): AgentMetrics {
  const registers = [registry];
  return {
    appliedVersion: new Gauge({ name: 'weft_agent_applied_version', help: 'Snapshot version the agent serves now.', registers }),
    applySeconds: new Histogram({
      name: 'weft_agent_apply_duration_seconds',
      help: 'Time from receiving a snapshot version to the config store(s) having applied it.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    updates: new Counter({ name: 'weft_agent_updates_total', help: 'Snapshot versions received, by type and reason.', labelNames: ['type', 'reason'], registers }),
    rejected: new Counter({ name: 'weft_agent_snapshots_rejected_total', help: 'Snapshot versions rejected (the last good one keeps serving).', labelNames: ['reason'], registers }),
    natsConnected: new Gauge({ name: 'weft_agent_nats_connected', help: '1 while the agent is connected to NATS.', registers }),
    statusReports: new Counter({ name: 'weft_agent_status_reports_total', help: 'Status reports sent, by result.', labelNames: ['result'], registers }),
  };
}
