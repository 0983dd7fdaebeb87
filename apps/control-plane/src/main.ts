import { setTimeout as delay } from 'node:timers/promises';
import { AgentTracker, connectBus, ConnectError } from '@weft/bus';
import type { AuthResponder, Bus } from '@weft/bus';
import { createTranslator } from '@weft/translate';
import { ConfigError, configHelp, createLogger, createMetricsRegistry, parseConfig, startHealthServer } from '@weft/telemetry';
import type { Logger, Readiness } from '@weft/telemetry';
import { controlPlaneConfig } from './config.js';
import type { ControlPlaneConfig } from './config.js';
import { MeshPipeline } from './mesh-pipeline.js';
import { createControlPlaneMetrics } from './metrics.js';
import { Leadership } from './leadership/leadership.js';
import { pipelineHandlers } from './leadership/pipeline-handlers.js';
import { createWorldInput } from './world-source.js';
import { launchCertificateService } from './certificates/from-config.js';
import { meshNameGrants } from './certificates/mesh-name-grants.js';
import { watchTrustBundleConfigMap } from './certificates/trust-bundle-configmap.js';
import { checkInjectionConfig, launchInjection } from './injection/start-injection.js';
import { natsTlsOf, natsUserOf, startNatsAuth } from './nats-auth/start-nats-auth.js';

/** Connects to NATS, retrying until it answers or `signal` aborts; every failure says where it tried and what to do. */
async function connectWithRetry(config: ControlPlaneConfig, log: Logger, signal: AbortSignal): Promise<Bus> {
  const tls = natsTlsOf(config);
  let waitMs = 250;
  for (;;) {
    try {
      return await connectBus({
        servers: config.natsUrl.split(',').map((s) => s.trim()),
        cluster: config.clusterId,
        name: 'weft-control-plane',
        logger: log.child({ part: 'bus' }),
        ...(tls === undefined ? {} : { tls }),
        ...natsUserOf(config),
      });
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      log.warn({ natsUrl: config.natsUrl, err: err.message, retryInMs: waitMs }, 'waiting for NATS: start nats-server there or set --nats-url / WEFT_NATS_URL');
      await delay(waitMs, undefined, { signal });
      waitMs = Math.min(waitMs * 2, 5_000);
    }
  }
}

export async function runControlPlane(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`weft-control-plane: watch the world, translate it, publish per-scope snapshots over NATS.\n\n${configHelp(controlPlaneConfig)}\n`);
    return 0;
  }
  let config: ControlPlaneConfig;
  try {
    config = parseConfig(controlPlaneConfig, argv, env);
    checkInjectionConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weft-control-plane: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ component: 'control-plane', level: config.logLevel });
  const registry = createMetricsRegistry({ component: 'control-plane' });
  const metrics = createControlPlaneMetrics(registry);
  const stop = new AbortController();
  const tracker = new AgentTracker(config.agentStaleAfter);
  let readiness: Readiness = { ready: false, reason: 'connecting to NATS' };
  let pipeline: MeshPipeline | undefined;
  let leadership: Leadership | undefined;

  const health = await startHealthServer({
    port: config.healthPort,
    host: config.healthHost,
    registry,
    readiness: () => readiness,
    extraJson: {
      '/debug/mesh': () => ({ leadership: leadership?.view(), run: pipeline?.last, versions: Object.fromEntries(pipeline?.versions() ?? []), mesh: pipeline?.mesh }),
      '/debug/agents': () => tracker.views(pipeline?.versions() ?? new Map()),
    },
  });
  log.info({ health: health.url, cluster: config.clusterId, source: config.source }, 'listening');

  const onSignal = (): void => {
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // The certificate service runs beside the pipeline and before NATS answers: agents need their SVIDs either way.
  const certificatesStop = new AbortController();
  // It grants each pod the mesh names of the Services that select it, from the pipeline's current world.
  const certificates = launchCertificateService(config, { log, registry, signal: certificatesStop.signal, grantDnsNames: meshNameGrants(() => pipeline?.world) });
  // The trust bundle travels in every scope's snapshot (agents verify peers with it); once the CA is loaded, the
  // latest translation is published again with it.
  let trustRoots: readonly string[] = [];
  // In cert-manager mode the issuer's roots, from the ConfigMap the bridge writes, replace this CA's, and each change
  // is published again.
  const issuerBundle =
    config.trustBundleConfigmap === undefined
      ? undefined
      : watchTrustBundleConfigMap({
          kubeconfig: config.kubeconfig,
          ref: config.trustBundleConfigmap,
          log,
          onChange: (roots) => {
            trustRoots = roots;
            void pipeline?.publishLatest('trust bundle changed');
          },
        });
  void certificates.then((service) => {
    if (service === undefined || issuerBundle !== undefined) return;
    trustRoots = service.trustBundle.roots.map((root) => root.pem);
    void pipeline?.publishLatest('trust bundle loaded');
  }, () => undefined);
  // The injection webhook too (when --webhook-listen is set): pods are admitted whether NATS answers or not.
  const injection = launchInjection(config, { log, registry, ...(issuerBundle === undefined ? {} : { caRoots: () => issuerBundle.trust.pem }) });

  let bus: Bus | undefined;
  let natsAuth: AuthResponder | undefined;
  const input = createWorldInput(config, log.child({ part: 'source' }));
  try {
    const elected = new Leadership(config, env, input.http, registry, log.child({ part: 'leader' }));
    leadership = elected;
    bus = await connectWithRetry(config, log, stop.signal);
    // Agents' connections are decided from the last translation, which every replica makes.
    natsAuth = await startNatsAuth(config, { log, registry, source: { get world() { return pipeline?.world; }, get mesh() { return pipeline?.mesh; } } });
    await bus.ensureStreams();
    let publisher = bus.createPublisher();
    const connected = bus;
    const translator = createTranslator();
    const activePipeline = new MeshPipeline({
      log: log.child({ part: 'push' }),
      metrics,
      clusterDomain: config.clusterDomain,
      translate: (world) => translator.translate(world),
      publisher: {
        publishScope: (scope, full, delta) => publisher.publishScope(scope, full, delta),
        publishAssignment: (agent, scope) => connected.publishAssignment(agent, scope),
        deleteAssignment: (agent) => connected.deleteAssignment(agent),
        readAssignments: () => connected.readAssignments(),
        storeAssignment: (agent, scope) => connected.storeAssignment(agent, scope),
      },
      ...(input.statusWriter === undefined ? {} : { statusWriter: input.statusWriter }),
      isLeader: () => elected.isLeader(),
      trustBundle: () => trustRoots,
    });
    pipeline = activePipeline;
    elected.start(
      pipelineHandlers(activePipeline, {
        log,
        renewPublisher: () => {
          publisher = connected.createPublisher();
        },
        resetStatus: () => input.statusWriter?.reset(),
      }),
    );
    readiness = { ready: false, reason: `waiting for the first sync of ${input.describe}` };
    input.source.start(async (set) => {
      try {
        await activePipeline.apply(set);
        readiness = { ready: true };
      } catch (err) {
        log.error({ err: (err as Error).message }, 'pipeline pass failed; the last published versions keep serving');
      }
    });

    // Agents' status: every report, kept per agent; the gauge is refreshed as reports and time pass.
    const refreshAgents = (): void => {
      const counts = tracker.counts(activePipeline.versions());
      for (const [state, n] of Object.entries(counts)) metrics.agents.set({ state }, n);
    };
    const timer = setInterval(refreshAgents, 5_000);
    const watch = connected.watchStatus();
    stop.signal.addEventListener('abort', () => {
      void watch.close();
    });
    const statusLoop = (async () => {
      for await (const event of watch) {
        if (event.type === 'status') tracker.record(event.status);
        else if (event.type === 'refused') log.warn({ subject: event.subject, err: event.error.message }, 'refused an agent status');
        refreshAgents();
      }
    })();
    if (!stop.signal.aborted) await new Promise<void>((resolve) => { stop.signal.addEventListener('abort', () => { resolve(); }); });
    clearInterval(timer);
    await statusLoop.catch(() => undefined);
  } catch (err) {
    if (!stop.signal.aborted) {
      log.fatal({ err: (err as Error).message }, 'control plane stopped');
      return 1;
    }
  } finally {
    log.info('stopping');
    // First: step down and release the Lease, so another replica takes over without waiting for it to expire.
    await leadership?.stop();
    await input.source.stop();
    certificatesStop.abort();
    await (await certificates)?.close();
    await injection.close();
    await issuerBundle?.stop();
    await natsAuth?.close();
    await bus?.close();
    await health.close();
  }
  return 0;
}
