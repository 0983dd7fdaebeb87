import { agentIdOf } from '@weft/bus';
import { APP_HEALTH_PREFIX } from '@weft/model';
import { configHelp, createLogger, createMetricsRegistry, startHealthServer } from '@weft/telemetry';
import type { HealthServer } from '@weft/telemetry';
import { appHealthHandler } from './app-probes/app-health.js';
import { SnapshotApplier } from './applier.js';
import { clientViewOf } from './client-view.js';
import { agentConfig, readAgentConfig } from './config.js';
import type { AgentConfig } from './config.js';
import { startIdentity } from './identity/start-identity.js';
import type { Identity } from './identity/start-identity.js';
import { startMeshTls } from './mesh-tls/start-mesh-tls.js';
import type { MeshTls } from './mesh-tls/start-mesh-tls.js';
import { createAgentMetrics } from './metrics.js';
import { FullStateCollection } from './full-state-collection.js';
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
  const collection = new FullStateCollection();
  let identity: Identity | undefined;
  let meshTls: MeshTls | undefined;
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
    // The agent's own ssl objects (its SVID) go into the stores beside each version the applier hands over.
    meshTls = startMeshTls({ stores: opened.stores, store: config.store, stateDir: config.stateDir, trustBundleFile: config.trustBundleFile, podIps: config.podIps, upstreamPublicRoots: config.upstreamPublicRoots, ...(opened.restored === undefined ? {} : { restored: opened.restored }), log });
    const meshTarget = meshTls.target;
    const applier = new SnapshotApplier(meshTarget, { maxSnapshotBytes: config.maxSnapshotBytes, ...(clientView === undefined ? {} : { storeEntry: clientView }) });
    if (opened.restored !== undefined) {
      collection.afterFullState();
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
      // The app's own probes, which the injector pointed here (inbound interception would send them into mTLS).
      prefixRoutes: { [APP_HEALTH_PREFIX]: appHealthHandler(config.appProbers, log.child({ part: 'app-probes' })) },
      extraJson: {
        '/debug/state': () => ({
          agent: agentId,
          served: applier.served ?? null,
          resources: applier.resourceCount,
          lastError: applier.lastError,
          applyLatencyMs: applier.lastDurationMs,
          etcdRevision: servingStores.revision ?? null,
          identity: identity?.source.view() ?? null,
          meshTls: meshTarget.view(),
        }),
      },
    });
    log.info({ etcd: stores.etcdEndpoint, health: health.url, store: config.store, mode: offline ? 'offline' : 'nats' }, 'listening');
    const demanded = meshTls;
    identity = await startIdentity(config, { log, registry, meshNames: () => demanded.meshNames() });
    const svids = identity?.source;
    if (svids !== undefined) meshTls.follow(svids);
    if (offline) {
      await runOffline({ path: config.snapshot, cluster: config.clusterId, applier, metrics, logger: log, signal: stop.signal, onFullState: () => { collection.afterFullState(); } });
    } else {
      await runOnline({ config, agentId, applier, metrics, logger: log, signal: stop.signal, identityError: () => svids?.lastError ?? null, onFullState: () => { collection.afterFullState(); }, ...(svids === undefined ? {} : { svids }) });
    }
    return AGENT_EXIT.ok;
  } catch (err) {
    log.fatal({ err }, 'the agent failed');
    return AGENT_EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    collection.stop();
    meshTls?.close();
    await identity?.close();
    await health?.close();
    await stores?.close();
    log.info('stopped');
  }
}
