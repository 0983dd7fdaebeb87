import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from '@weft/telemetry';

/** The control plane's own metrics (process metrics come with the registry). Label values are closed sets. */
export interface ControlPlaneMetrics {
  readonly translateSeconds: Histogram;
  readonly batchWaitSeconds: Histogram;
  readonly worldObjects: Gauge;
  readonly scopes: Gauge;
  readonly workloads: Gauge;
  readonly diagnostics: Gauge;
  readonly snapshotBytes: Histogram;
  readonly deltaBytes: Histogram;
  readonly latestVersion: Gauge;
  readonly publishes: Counter<'result'>;
  readonly statusWrites: Counter<'result'>;
  readonly agents: Gauge<'state'>;
}

export function createControlPlaneMetrics(registry: Registry): ControlPlaneMetrics {
  const registers = [registry];
  return {
    translateSeconds: new Histogram({
      name: 'weft_translate_duration_seconds',
      help: 'Time to build the WorldState and translate it into per-scope APISIX config.',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    batchWaitSeconds: new Histogram({
      name: 'weft_watch_batch_wait_seconds',
      help: 'Watch lag: how long the first change of a batch waited before translation started (debounce).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    worldObjects: new Gauge({ name: 'weft_world_objects', help: 'Kubernetes objects in the current WorldState input.', registers }),
    scopes: new Gauge({ name: 'weft_scopes', help: 'Scopes in the current mesh config.', registers }),
    workloads: new Gauge({ name: 'weft_workloads', help: 'Workloads (pods) assigned to a scope.', registers }),
    diagnostics: new Gauge({ name: 'weft_translate_diagnostics', help: 'Problems found in the input by the last translation.', registers }),
    snapshotBytes: new Histogram({
      name: 'weft_snapshot_bytes',
      help: 'Size of each published full state, as stored (after compression).',
      buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8],
      registers,
    }),
    deltaBytes: new Histogram({
      name: 'weft_snapshot_delta_bytes',
      help: 'Size of each published delta, as stored.',
      buckets: [100, 500, 1e3, 2e3, 1e4, 1e5, 1e6],
      registers,
    }),
    latestVersion: new Gauge({ name: 'weft_snapshot_version', help: 'Newest version published by this control plane.', registers }),
    publishes: new Counter({
      name: 'weft_scope_publishes_total',
      help: 'Scope publishes by result: published, unchanged, rejected (failed validation), failed (NATS).',
      labelNames: ['result'],
      registers,
    }),
    statusWrites: new Counter({
      name: 'weft_route_status_writes_total',
      help: 'Route status writes by result: written, unchanged, failed.',
      labelNames: ['result'],
      registers,
    }),
    agents: new Gauge({
      name: 'weft_agents',
      help: 'Agents by state: in-sync, behind, error, stale.',
      labelNames: ['state'],
      registers,
    }),
  };
}
