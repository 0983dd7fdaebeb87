import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, readNamespaceLabels, setMutatingWebhookCaBundle } from '@weft/k8s';
import { ConfigError } from '@weft/telemetry';
import type { Logger, Registry } from '@weft/telemetry';
import { loadCertificateAuthority } from '../certificates/ca-material.js';
import type { ControlPlaneConfig } from '../config.js';
import { CaBundleKeeper } from './ca-bundle-keeper.js';
import { createInjectionMetrics } from './injection-metrics.js';
import { pemFileReader } from './pem-file.js';
import { PodInjector } from './pod-injector.js';
import { RotatingCertificate, servingIssuerFromCa } from './serving-certificate.js';
import type { ServingCertificateIssuer } from './serving-certificate.js';
import { checkInjectionSettings, INJECTION_DEFAULTS, InjectionSettingsError } from './settings.js';
import type { InjectionSettings } from './settings.js';
import { startWebhookServer } from './webhook-server.js';

/** The control plane's version (its package.json, beside src/ and dist/ alike), recorded in weft.dev/injected. */
export function controlPlaneVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** The injection settings of the control plane's configuration; throws InjectionSettingsError on a bad combination. */
export function injectionSettingsFrom(config: ControlPlaneConfig, version: string): InjectionSettings {
  if (config.injectAgentImage.trim() === '') {
    throw new InjectionSettingsError(['--inject-agent-image (or WEFT_INJECT_AGENT_IMAGE) is required with --webhook-listen: the image of weft-agent']);
  }
  return checkInjectionSettings({
    ...INJECTION_DEFAULTS,
    version,
    agentImage: config.injectAgentImage,
    apisixImage: config.injectApisixImage,
    imagePullPolicy: config.injectImagePullPolicy,
    clusterId: config.clusterId,
    natsUrl: config.injectNatsUrl === '' ? config.natsUrl : config.injectNatsUrl,
    natsCaFile: config.injectNatsCaFile,
    natsClientSvid: config.injectNatsClientSvid,
    csrMeshNames: config.injectCsrMeshNames,
    caAddress: config.injectCaAddress,
    trustDomain: config.trustDomain,
    proxyUid: config.injectProxyUid,
    proxyGid: config.injectProxyGid,
    apisixUid: config.injectApisixUid,
    inboundPort: config.injectInboundPort,
    outboundPort: config.injectOutboundPort,
    defaultConfigStore: config.injectConfigStore,
    nativeSidecars: config.injectNativeSidecars,
    agentLogLevel: config.injectAgentLogLevel,
    agentArgs: config.injectAgentArgs,
    agentResources: config.injectAgentResources,
    apisixResources: config.injectApisixResources,
  });
}

/**
 * Checks the injection settings at start, with the rest of the configuration: a webhook that would inject broken
 * pods must not start. Throws ConfigError listing the problems; nothing to check when the webhook is off.
 */
export function checkInjectionConfig(config: ControlPlaneConfig): void {
  if (config.webhookListen === '') return;
  try {
    injectionSettingsFrom(config, controlPlaneVersion());
  } catch (err) {
    if (err instanceof InjectionSettingsError) throw new ConfigError(err.problems.map((p) => `injection: ${p}`));
    throw err;
  }
}

/** The webhook's serving names: `<service>.<namespace>.svc` (what the API server dials) and the extra ones. */
export function webhookDnsNames(config: ControlPlaneConfig): string[] {
  const svc = `${config.webhookService}.${config.caNamespace}.svc`;
  return [...new Set([svc, `${svc}.${config.clusterDomain}`, ...config.webhookDnsNames])];
}

/** `host:port` → its parts (IPv6 hosts may be bracketed). */
function listenParts(listen: string): { host: string; port: number } {
  const separator = listen.lastIndexOf(':');
  return { host: listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(separator + 1)) };
}

export interface InjectionOptions {
  readonly settings: InjectionSettings;
  readonly host: string;
  /** 0: a free port. */
  readonly port: number;
  readonly dnsNames: readonly string[];
  /** The MutatingWebhookConfiguration whose caBundle is kept. */
  readonly configurationName: string;
  readonly resyncMs: number;
  /** The Kubernetes API (namespace labels, the webhook configuration). */
  readonly http: KubeHttp;
  /** Certifies the webhook's serving key: Weft's CA. */
  readonly issuer: ServingCertificateIssuer;
  readonly log: Logger;
  readonly registry: Registry;
  /**
   * The roots injected agents verify the certificate service with (and get as weft.dev/ca-roots); default: the CA
   * that signs the webhook's certificate. In cert-manager mode the issuer's CA (--trust-bundle-configmap).
   */
  readonly caRoots?: () => string;
}

export interface Injection {
  readonly url: string;
  readonly port: number;
  readonly keeper: CaBundleKeeper;
  close(): Promise<void>;
}

/**
 * Starts the injection webhook: a serving certificate from the CA for the webhook's DNS names (renewed at
 * half-life), the HTTPS server, and the keeper of the configuration's caBundle. Every replica runs all three
 * (writing the caBundle is idempotent).
 */
export async function startInjection(options: InjectionOptions): Promise<Injection> {
  const { log, http } = options;
  const metrics = createInjectionMetrics(options.registry);
  const injector = new PodInjector({
    settings: options.settings,
    log,
    metrics,
    namespaceLabels: (ns) => readNamespaceLabels(http, ns),
    caRoots: options.caRoots ?? (() => certificate.current.caBundlePem),
    ...(options.settings.natsCaFile === '' ? {} : { natsCa: pemFileReader(options.settings.natsCaFile) }),
  });
  const keeper = new CaBundleKeeper({
    configurationName: options.configurationName,
    bundle: () => certificate.current.caBundlePem,
    write: (name, pem) => setMutatingWebhookCaBundle(http, name, pem),
    log,
    metrics,
    intervalMs: options.resyncMs,
  });
  const certificate: RotatingCertificate = await RotatingCertificate.start({
    issuer: options.issuer,
    dnsNames: options.dnsNames,
    log,
    onRenewed: (renewed) => {
      server.setTls(renewed);
      void keeper.refresh();
    },
  });
  const server = await startWebhookServer({ host: options.host, port: options.port, tls: certificate.current, review: (body) => injector.review(body), log }).catch((err: unknown) => {
    certificate.stop();
    throw err;
  });
  keeper.start();
  log.info(
    { url: server.url, dnsNames: options.dnsNames, configuration: options.configurationName, notAfter: certificate.current.notAfter.toISOString(), settings: options.settings },
    'injection webhook listening',
  );
  return {
    url: server.url,
    port: server.port,
    keeper,
    async close() {
      certificate.stop();
      await keeper.stop();
      await server.close();
    },
  };
}

/** The webhook as the control plane runs it: started in the background, stopped with the process. */
export interface InjectionLauncher {
  /** The running webhook, or undefined when it is off, failed to start, or was closed first. */
  readonly started: Promise<Injection | undefined>;
  close(): Promise<void>;
}

function kubeHttpOf(config: ControlPlaneConfig): KubeHttp {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig === '') kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(config.kubeconfig);
  return new KubeHttp(kubeConfig);
}

/**
 * Launches the webhook when --webhook-listen is set. Bad settings throw at once (the control plane refuses to
 * start half-configured); the CA is then loaded from the same Secret as the certificate service's (created when
 * absent, shared by the replicas), retried with backoff while the API server cannot be reached, and the webhook
 * starts without waiting for NATS. A start failure is logged, never thrown: the rest of the control plane runs on.
 */
export function launchInjection(
  config: ControlPlaneConfig,
  deps: { readonly log: Logger; readonly registry: Registry; /** The roots agents get (weft.dev/ca-roots) when not this CA's (cert-manager mode). */ readonly caRoots?: () => string },
): InjectionLauncher {
  if (config.webhookListen === '') return { started: Promise.resolve(undefined), close: () => Promise.resolve() };
  const settings = injectionSettingsFrom(config, controlPlaneVersion());
  const log = deps.log.child({ part: 'injection' });
  const http = kubeHttpOf(config);
  const stop = new AbortController();
  // A function, not the property: the abort happens during the awaits below.
  const stopped = (): boolean => stop.signal.aborted;
  const started = (async (): Promise<Injection | undefined> => {
    const policy = { maxLifetimeMs: config.maxSvidLifetime, defaultLifetimeMs: Math.min(config.maxSvidLifetime, 24 * 3600_000) };
    let waitMs = 1_000;
    for (;;) {
      try {
        const loaded = await loadCertificateAuthority({
          http,
          namespace: config.caNamespace,
          secretName: config.caSecret,
          pluggedSecretName: config.caPluggedSecret,
          trustDomain: config.trustDomain,
          policy,
          log,
        });
        if (stopped()) return undefined;
        const injection = await startInjection({
          settings,
          ...listenParts(config.webhookListen),
          dnsNames: webhookDnsNames(config),
          configurationName: config.webhookConfiguration,
          resyncMs: config.webhookResync,
          http,
          issuer: servingIssuerFromCa(() => loaded.ca, { namespace: config.caNamespace, serviceAccount: config.caServiceAccount }),
          log,
          registry: deps.registry,
          ...(deps.caRoots === undefined ? {} : { caRoots: deps.caRoots }),
        });
        if (stopped()) {
          await injection.close();
          return undefined;
        }
        return injection;
      } catch (err) {
        if (stopped()) return undefined;
        log.error({ err: (err as Error).message, retryInMs: waitMs, listen: config.webhookListen }, 'the injection webhook could not start; retrying');
        try {
          await sleep(waitMs, undefined, { signal: stop.signal });
        } catch {
          return undefined;
        }
        waitMs = Math.min(waitMs * 2, 30_000);
      }
    }
  })();
  return {
    started,
    async close() {
      stop.abort();
      await (await started)?.close();
    },
  };
}
