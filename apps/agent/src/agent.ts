import { agentIdOf } from '@weft/bus';
import { configHelp, createLogger, createMetricsRegistry, startHealthServer } from '@weft/telemetry';
import type { HealthServer } from '@weft/telemetry';
import { SnapshotApplier } from './applier.js';
import { clientViewOf } from './client-view.js';
import { agentConfig, readAgentConfig } from './config.js';
import type { AgentConfig } from './config.js';
import { startIdentity } from './identity/start-identity.js';
import type { Identity } from './identity/start-identity.js';
import { createAgentMetrics } from './metrics.js';
import { runOffline } from './offline.js';
import { runOnline } from './online.js';
import { ServingStores } from './serving.js';

/** Exit codes of `weft-agent`. */
export const AGENT_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const USAGE = `weft-agent: the per-pod agent. Applies this pod's scope snapshots (from NATS, or --snapshot FILE offline)
into APISIX's config store: an etcd v3 API on loopback and/or a standalone apisix.yaml.

  weft-agent [flags]            run the agent
  weft-agent iptables [flags]   write the pod's traffic interception rules (see weft-agent iptables --help)

Once listening it logs one JSON line {"msg":"listening","etcd":"http://host:port","health":"http://host:port"}
(etcd absent in yaml mode): read it to find ports chosen with --etcd-port 0 / --health-port 0.

Flags (each also read from its environment variable):
`;

/**
 * Runs the agent until SIGTERM/SIGINT (or `stop`): restore the last applied snapshot and serve it at once, then
 * follow NATS (or the offline file). Resolves the exit code.
 */
export async function runAgent(argv: readonly string[], env: NodeJS.ProcessEnv, stop = new AbortController()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}${configHelp(agentConfig)}\n`);
    return AGENT_EXIT.ok;
  }
  let config: AgentConfig;
  try {
    config = readAgentConfig(argv, env);
  } catch (err) {
    process.stderr.write(`weft-agent: ${(err as Error).message}\n`);
    return AGENT_EXIT.usage;
  }
  const offline = config.snapshot !== '';
  const agentId = offline ? 'offline' : agentIdOf(config.podNamespace, config.podName);
  const log = createLogger({ component: 'agent', level: config.logLevel }).child({ agent: agentId });
  const registry = createMetricsRegistry({ component: 'agent' });
  const metrics = createAgentMetrics(registry);
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  let stores: ServingStores | undefined;
  let health: HealthServer | undefined;
  let identity: Identity | undefined;
  try {
    const opened = await ServingStores.open({
      mode: config.store,
      etcdHost: config.etcdHost,
      etcdPort: config.etcdPort,
      apisixYaml: config.apisixYaml,
      stateDir: config.stateDir,
      maxSnapshotBytes: config.maxSnapshotBytes,
      keepLastApplied: !offline,
      logger: log,
    });
    stores = opened.stores;
    const clientView = clientViewOf(config.podNamespace);
    const applier = new SnapshotApplier(opened.stores, { maxSnapshotBytes: config.maxSnapshotBytes, ...(clientView === undefined ? {} : { storeEntry: clientView }) });
    if (opened.restored !== undefined) {
      applier.restored(opened.restored.meta, opened.restored.state);
      metrics.appliedVersion.set(Number(opened.restored.meta.version));
      metrics.updates.inc({ type: 'full', reason: 'restored' });
    }
    const servingStores = opened.stores;
    health = await startHealthServer({
      port: config.healthPort,
      host: config.healthHost,
      registry,
      readiness: () => (applier.served === undefined ? { ready: false, reason: 'no snapshot applied yet' } : { ready: true }),
      extraJson: {
        '/debug/state': () => ({
          agent: agentId,
          served: applier.served ?? null,
          resources: applier.resourceCount,
          lastError: applier.lastError,
          applyLatencyMs: applier.lastDurationMs,
          etcdRevision: servingStores.revision ?? null,
          identity: identity?.source.view() ?? null,
        }),
      },
    });
    log.info({ etcd: stores.etcdEndpoint, health: health.url, store: config.store, mode: offline ? 'offline' : 'nats' }, 'listening');
    identity = await startIdentity(config, { log, registry });
    const svids = identity?.source;
    if (offline) {
      await runOffline({ path: config.snapshot, cluster: config.clusterId, applier, metrics, logger: log, signal: stop.signal });
    } else {
      await runOnline({ config, agentId, applier, metrics, logger: log, signal: stop.signal, identityError: () => svids?.lastError ?? null });
    }
    return AGENT_EXIT.ok;
  } catch (err) {
    log.fatal({ err }, 'the agent failed');
    return AGENT_EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await identity?.close();
    await health?.close();
    await stores?.close();
    log.info('stopped');
  }
}
