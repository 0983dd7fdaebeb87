import { X509Certificate } from 'node:crypto';
import { CertificateRequests, TokenReviewer, TokenVerificationSources, writeConfigMapData } from '@weft/k8s';
import type { IssuerRef, KubeHttp, OwnerReference } from '@weft/k8s';
import { createCertificateMetrics, listenGrpc, RateLimiter, retryUntilReady, ServingCertificateProvider, createTokenAuthenticator } from '@weft/pki';
import type { CertificateServiceSettings } from '@weft/pki';
import type { Logger, Readiness, Registry } from '@weft/telemetry';
import { Counter } from 'prom-client';
import { BridgeIssuer } from './bridge-issuer.js';
import { CertManagerSigner } from './cert-manager-signer.js';
import { servingIssuer } from './serving-identity.js';
import { TrustBundleFile } from './trust-material.js';
import { TRUST_BUNDLE_KEY, TrustBundleConfigMap } from './trust-bundle-configmap.js';
import { WorkloadMeshNames } from './workload-mesh-names.js';

/** The label on every CertificateRequest the bridge makes: its watch and its cleanup see only these. */
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': 'weft-cert-manager-bridge' } as const;

export interface BridgeOptions extends CertificateServiceSettings {
  /** The API server: TokenReview and CertificateRequests. */
  readonly http: KubeHttp;
  readonly host: string;
  /** 0: a free port. */
  readonly port: number;
  readonly namespace: string;
  readonly trustDomain: string;
  /** DNS domain of the cluster, the suffix of the mesh names granted to pods. */
  readonly clusterDomain: string;
  readonly issuerRef: IssuerRef;
  readonly issueTimeoutMs: number;
  readonly maxLifetimeMs: number;
  /** The bridge's own ServiceAccount and the DNS names of its serving certificate. */
  readonly serviceAccount: string;
  readonly dnsNames: readonly string[];
  /** Owner of every CertificateRequest (the bridge's Pod), so Kubernetes deletes what a crash leaves behind. */
  readonly owner?: OwnerReference;
  /** Empty: the issuer's status.ca is the trust bundle. */
  readonly trustBundleFile: string;
  /** ConfigMap (in `namespace`) the roots are written to, key roots.pem; empty: none. */
  readonly trustBundleConfigMap: string;
  /** How often finished and abandoned CertificateRequests are looked for: 30 s. */
  readonly sweepMs?: number;
  readonly log: Logger;
  readonly registry: Registry;
  /** Aborts the start (serving-certificate retries); the promise then rejects with an AbortError. */
  readonly signal?: AbortSignal;
}

export interface Bridge {
  readonly port: number;
  /** The roots handed to agents, newest answer (what an agent's --ca-root-file needs to verify the bridge). */
  trustBundle(): readonly string[];
  /** Names of the bridge's CertificateRequests that exist now. */
  requestNames(): string[];
  tokenReviews(): number;
  readiness(): Readiness;
  /** For /debug/bridge. */
  describe(): unknown;
  close(): Promise<void>;
}

/**
 * Starts the bridge: watches its CertificateRequests, deletes the leftovers of earlier runs, gets its own serving
 * certificate through cert-manager (retrying until the issuer answers), and serves the certificate API over TLS.
 * Resolves once it listens.
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const log = options.log;
  const requests = new CertificateRequests({
    http: options.http,
    namespace: options.namespace,
    labels: MANAGED_BY_LABELS,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    log: log.child({ part: 'certificaterequests' }),
  });
  requests.start();
  const meshNames = new WorkloadMeshNames({ http: options.http, clusterDomain: options.clusterDomain, log });
  meshNames.start();
  const local = (options.tokenVerification ?? 'local') === 'local' ? new TokenVerificationSources(options.http, { log }) : undefined;
  local?.start();
  const bundleMap =
    options.trustBundleConfigMap === ''
      ? undefined
      : new TrustBundleConfigMap({
          write: (rootsPem) => writeConfigMapData(options.http, { namespace: options.namespace, name: options.trustBundleConfigMap, data: { [TRUST_BUNDLE_KEY]: rootsPem }, labels: MANAGED_BY_LABELS }),
          log: log.child({ part: 'trust-bundle' }),
        });
  const loaded: { roots: readonly string[]; serving?: ServingCertificateProvider } = { roots: [] };
  const abandonedAfterMs = 2 * options.issueTimeoutMs;
  const swept = new Counter({
    name: 'weft_bridge_certificate_requests_swept_total',
    help: 'CertificateRequests the sweep deleted: finished or abandoned ones left behind (by a crash, or a delete that failed).',
    registers: [options.registry],
  });
  const sweep = async (): Promise<void> => {
    await bundleMap?.retry();
    for (const name of requests.leftovers(abandonedAfterMs)) {
      try {
        await requests.delete(name);
        swept.inc();
        log.info({ request: name }, 'deleted a leftover CertificateRequest');
      } catch (err) {
        log.warn({ request: name, err: (err as Error).message }, 'could not delete a leftover CertificateRequest');
      }
    }
  };
  const sweeper = setInterval(() => void sweep(), options.sweepMs ?? 30_000);
  sweeper.unref();
  const stopAll = async (): Promise<void> => {
    clearInterval(sweeper);
    loaded.serving?.stop();
    await Promise.all([requests.stop(), meshNames.stop(), local?.stop()]);
  };

  try {
    // Serve nothing before the caches have synced: a CSR's mesh names are checked against them.
    await abortable(Promise.all([requests.whenSynced(), meshNames.whenSynced()]), options.signal);
    await sweep();
    const signer = new CertManagerSigner({ requests, issuerRef: options.issuerRef, timeoutMs: options.issueTimeoutMs, log });
    const bundleFile = options.trustBundleFile === '' ? undefined : new TrustBundleFile(options.trustBundleFile);
    const configuredRoots = bundleFile === undefined ? undefined : () => bundleFile.roots();
    const rootsSeen = (roots: readonly string[]): void => {
      loaded.roots = roots;
      bundleMap?.offer(roots);
    };
    const metrics = createCertificateMetrics(options.registry, { caNotAfter: () => earliestExpiry(loaded.roots), servingNotAfter: () => loaded.serving?.current.notAfter });
    const servingLifetimeMs = Math.min(options.maxLifetimeMs, 24 * 3600_000);
    loaded.serving = await retryUntilReady(log, options.signal, 'cannot get the serving certificate from cert-manager; the bridge waits for it', () =>
      ServingCertificateProvider.start({
        issue: servingIssuer({
          signer,
          spiffeId: { trustDomain: options.trustDomain, namespace: options.namespace, serviceAccount: options.serviceAccount },
          dnsNames: options.dnsNames,
          lifetimeMs: servingLifetimeMs,
          ...(configuredRoots === undefined ? {} : { configuredRoots }),
          onRoots: rootsSeen,
        }),
        log,
      }),
    );
    const reviewer = new TokenReviewer(options.http);
    const issuer = new BridgeIssuer({
      trustDomain: options.trustDomain,
      authenticator: createTokenAuthenticator({
        review: (token, audiences) => reviewer.review(token, audiences),
        audience: options.audience,
        ttlMs: options.tokenCacheTtlMs,
        ...(local === undefined ? {} : { local }),
        metrics,
      }),
      limiter: new RateLimiter({ perSecond: options.ratePerSecond, burst: options.burst }),
      bounds: { maxLifetimeMs: options.maxLifetimeMs, defaultLifetimeMs: Math.min(options.maxLifetimeMs, 24 * 3600_000) },
      signer,
      meshNames,
      ...(configuredRoots === undefined ? {} : { configuredRoots }),
      metrics,
      onAnswer: (answer) => {
        rootsSeen(answer.trustBundle);
      },
      log,
    });
    const serving = loaded.serving;
    const server = await listenGrpc({ host: options.host, port: options.port, issuer, identity: serving });
    const issuerText = `${options.issuerRef.kind}.${options.issuerRef.group}/${options.issuerRef.name}`;
    log.info(
      {
        address: `${options.host}:${server.port}`,
        port: server.port,
        trustDomain: options.trustDomain,
        issuer: issuerText,
        namespace: options.namespace,
        trustBundle: options.trustBundleFile === '' ? 'status.ca' : options.trustBundleFile,
        servingNotAfter: serving.current.notAfter.toISOString(),
        dnsNames: options.dnsNames,
        tokenVerification: local === undefined ? 'tokenreview' : 'local',
      },
      'cert-manager bridge listening',
    );
    return {
      port: server.port,
      trustBundle: () => loaded.roots,
      requestNames: () => requests.names(),
      tokenReviews: () => reviewer.calls,
      readiness: () => ({ ready: true }),
      describe: () => ({
        issuer: issuerText,
        namespace: options.namespace,
        trustDomain: options.trustDomain,
        certificateRequests: requests.names(),
        meshNameCaches: meshNames.describe(),
        tokenVerification: local === undefined ? 'tokenreview' : local.describe(),
        trustBundleConfigMap: bundleMap === undefined ? null : { name: `${options.namespace}/${options.trustBundleConfigMap}`, written: bundleMap.written !== undefined },
        trustBundle: loaded.roots,
        serving: { serial: serving.current.serialNumber, notAfter: serving.current.notAfter.toISOString(), renewAt: serving.current.renewAt.toISOString() },
      }),
      async close() {
        await server.close();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function earliestExpiry(roots: readonly string[]): Date | undefined {
  let earliest: Date | undefined;
  for (const pem of roots) {
    const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
    if (match === null) continue;
    const notAfter = new Date(new X509Certificate(match[0]).validTo);
    if (earliest === undefined || notAfter < earliest) earliest = notAfter;
  }
  return earliest;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}
