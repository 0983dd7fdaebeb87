import { TokenReviewer, TokenVerificationSources } from '@weft/k8s';
import type { KubeHttp } from '@weft/k8s';
import { createCertificateMetrics, listenGrpc, RateLimiter, retryUntilReady, ServingCertificateProvider, createTokenAuthenticator } from '@weft/pki';
import type { CertificateAuthority, CertificateServiceSettings, TrustBundle, WorkloadAccount } from '@weft/pki';
import type { Logger, Registry } from '@weft/telemetry';
import { loadCertificateAuthority } from './ca-material.js';
import type { CaOrigin } from './ca-material.js';
import { CertificateIssuer } from './certificate-issuer.js';

export interface CertificateServiceOptions extends CertificateServiceSettings {
  /** The API server: TokenReview and the CA Secrets. */
  readonly http: KubeHttp;
  readonly host: string;
  /** 0: a free port (logged and returned). */
  readonly port: number;
  readonly trustDomain: string;
  /** The control plane's namespace: the CA Secrets and its own identity. */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** DNS names of the serving certificate, e.g. weft-control-plane.weft-system.svc. */
  readonly dnsNames: readonly string[];
  readonly secretName: string;
  /** Empty: self-signed root kept in `secretName`. */
  readonly pluggedSecretName: string;
  readonly maxLifetimeMs: number;
  /** DNS SANs the CA grants a workload besides its URI SAN; none by default. */
  readonly grantDnsNames?: (account: WorkloadAccount) => readonly string[];
  readonly log: Logger;
  readonly registry: Registry;
  /** Aborts the CA loading retries (the service then rejects with an AbortError). */
  readonly signal?: AbortSignal;
}

export interface CertificateService {
  readonly port: number;
  /** The CA every SVID and the serving certificate are signed by. */
  readonly authority: CertificateAuthority;
  readonly trustBundle: TrustBundle;
  readonly origin: CaOrigin;
  /** TokenReviews sent to the API server so far (the rest were answered from the cache). */
  tokenReviews(): number;
  close(): Promise<void>;
}

/**
 * Starts the certificate service: loads (or creates) the CA, retrying while the API server cannot be reached or
 * the Secret is unusable; issues the service's own serving certificate from that CA (renewed before expiry); and
 * serves WeftCertificateService over TLS. Resolves once it listens.
 */
export async function startCertificateService(options: CertificateServiceOptions): Promise<CertificateService> {
  const log = options.log;
  // The expiry gauges read what is loaded below.
  const loadedNow: { ca?: CertificateAuthority; serving?: ServingCertificateProvider } = {};
  const metrics = createCertificateMetrics(options.registry, { caNotAfter: () => loadedNow.ca?.notAfter, servingNotAfter: () => loadedNow.serving?.current.notAfter });
  const policy = { maxLifetimeMs: options.maxLifetimeMs, defaultLifetimeMs: Math.min(options.maxLifetimeMs, 24 * 3600_000) };

  const loaded = await retryUntilReady(log, options.signal, 'cannot load the CA; the certificate service waits for it', () =>
    loadCertificateAuthority({
      http: options.http,
      namespace: options.namespace,
      secretName: options.secretName,
      pluggedSecretName: options.pluggedSecretName,
      trustDomain: options.trustDomain,
      policy,
      log,
    }),
  );
  const authority = loaded.ca;
  loadedNow.ca = authority;
  const provider = await ServingCertificateProvider.start({
    ca: () => authority,
    identity: { namespace: options.namespace, serviceAccount: options.serviceAccount },
    dnsNames: options.dnsNames,
    log,
  });
  loadedNow.serving = provider;
  const reviewer = new TokenReviewer(options.http);
  const local = (options.tokenVerification ?? 'local') === 'local' ? new TokenVerificationSources(options.http, { log }) : undefined;
  local?.start();
  const issuer = new CertificateIssuer({
    ca: () => authority,
    authenticator: createTokenAuthenticator({
      review: (token, audiences) => reviewer.review(token, audiences),
      audience: options.audience,
      ttlMs: options.tokenCacheTtlMs,
      ...(local === undefined ? {} : { local }),
      metrics,
    }),
    limiter: new RateLimiter({ perSecond: options.ratePerSecond, burst: options.burst }),
    bounds: { maxLifetimeMs: options.maxLifetimeMs },
    ...(options.grantDnsNames === undefined ? {} : { grantDnsNames: options.grantDnsNames }),
    metrics,
    log,
  });
  const server = await listenGrpc({ host: options.host, port: options.port, issuer, identity: provider }).catch(async (err: unknown) => {
    provider.stop();
    await local?.stop();
    throw err;
  });
  log.info(
    {
      address: `${options.host}:${server.port}`,
      port: server.port,
      trustDomain: authority.trustDomain,
      ca: loaded.origin,
      secret: loaded.secret,
      roots: authority.trustBundle.fingerprints,
      caNotAfter: authority.notAfter.toISOString(),
      dnsNames: options.dnsNames,
      servingNotAfter: provider.current.notAfter.toISOString(),
      tokenVerification: local === undefined ? 'tokenreview' : 'local',
    },
    'certificate service listening',
  );
  return {
    port: server.port,
    authority,
    trustBundle: authority.trustBundle,
    origin: loaded.origin,
    tokenReviews: () => reviewer.calls,
    async close() {
      provider.stop();
      await server.close();
      await local?.stop();
    },
  };
}
