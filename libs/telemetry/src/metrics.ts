import { collectDefaultMetrics, Registry } from 'prom-client';

/** Prefix of every Weft metric. */
export const METRIC_PREFIX = 'weft_';

/** A Prometheus registry with the process metrics (CPU, RSS, event loop lag, GC) under the `weft_` prefix. */
export function createMetricsRegistry(labels: Readonly<Record<string, string>> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ ...labels });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}

export { Registry };
