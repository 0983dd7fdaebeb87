import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '@weft/k8s';
import { certificateServiceSettings } from '@weft/pki';
import { ConfigError, configHelp, createLogger, createMetricsRegistry, parseConfig, startHealthServer } from '@weft/telemetry';
import type { Readiness } from '@weft/telemetry';
import { bridgeConfig, servingDnsNames } from './config.js';
import type { BridgeConfig } from './config.js';
import { startBridge } from './start-bridge.js';
import type { Bridge } from './start-bridge.js';

function kubeHttpOf(config: BridgeConfig): KubeHttp {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig === '') kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(config.kubeconfig);
  return new KubeHttp(kubeConfig);
}

/** The bridge process: flags/environment → certificate API backed by cert-manager, health and metrics; until SIGTERM. */
export async function runBridge(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`weft-cert-manager-bridge: Weft's certificate API (CSR + ServiceAccount token → SVID), signed by cert-manager.\n\n${configHelp(bridgeConfig)}\n`);
    return 0;
  }
  let config: BridgeConfig;
  try {
    config = parseConfig(bridgeConfig, argv, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weft-cert-manager-bridge: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ component: 'cert-manager-bridge', level: config.logLevel });
  const registry = createMetricsRegistry({ component: 'cert-manager-bridge' });
  const stop = new AbortController();
  let bridge: Bridge | undefined;
  let readiness: Readiness = { ready: false, reason: 'starting: watching CertificateRequests, getting the serving certificate from cert-manager' };
  const health = await startHealthServer({
    port: config.healthPort,
    host: config.healthHost,
    registry,
    readiness: () => bridge?.readiness() ?? readiness,
    extraJson: { '/debug/bridge': () => bridge?.describe() ?? { starting: true } },
  });
  log.info({ health: health.url }, 'listening');
  const onSignal = (): void => {
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    bridge = await startBridge({
      http: kubeHttpOf(config),
      host: config.caListen.host,
      port: config.caListen.port,
      namespace: config.namespace,
      trustDomain: config.trustDomain,
      clusterDomain: config.clusterDomain,
      issuerRef: { name: config.issuerName, kind: config.issuerKind, group: config.issuerGroup },
      issueTimeoutMs: config.issueTimeout,
      maxLifetimeMs: config.maxSvidLifetime,
      ...certificateServiceSettings(config),
      serviceAccount: config.serviceAccount,
      dnsNames: servingDnsNames(config),
      trustBundleFile: config.trustBundleFile,
      trustBundleConfigMap: config.trustBundleConfigmap,
      ...(config.podName === '' || config.podUid === '' ? {} : { owner: { apiVersion: 'v1', kind: 'Pod', name: config.podName, uid: config.podUid } }),
      log,
      registry,
      signal: stop.signal,
    });
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else
        stop.signal.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
    });
    return 0;
  } catch (err) {
    if (stop.signal.aborted) return 0;
    readiness = { ready: false, reason: (err as Error).message };
    log.error({ err: (err as Error).message }, 'the bridge could not start');
    return 1;
  } finally {
    log.info('stopping');
    await bridge?.close();
    await health.close();
  }
}
