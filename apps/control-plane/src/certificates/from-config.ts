import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '@weft/k8s';
import { certificateServiceSettings } from '@weft/pki';
import type { WorkloadAccount } from '@weft/pki';
import type { Logger, Registry } from '@weft/telemetry';
import type { ControlPlaneConfig } from '../config.js';
import { DEFAULT_CA_PORT } from './config-entries.js';
import { startCertificateService } from './start-certificate-service.js';
import type { CertificateService } from './start-certificate-service.js';

/** Where the certificate service listens under this configuration, or undefined when it is off. */
export function certificateListenAddress(config: ControlPlaneConfig): { host: string; port: number } | undefined {
  const listen = config.caListen;
  if (listen.mode === 'off') return undefined;
  if (listen.mode === 'auto') return config.source === 'kubernetes' ? { host: '0.0.0.0', port: DEFAULT_CA_PORT } : undefined;
  return { host: listen.host, port: listen.port };
}

/** The serving certificate's names: `<service>.<namespace>.svc`, the same with the cluster domain, and the extra ones. */
export function certificateDnsNames(config: ControlPlaneConfig): string[] {
  const svc = `${config.caService}.${config.caNamespace}.svc`;
  return [...new Set([svc, `${svc}.${config.clusterDomain}`, ...config.caDnsNames])];
}

function kubeHttpOf(config: ControlPlaneConfig): KubeHttp {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig === '') kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(config.kubeconfig);
  return new KubeHttp(kubeConfig);
}

/**
 * Starts the certificate service if the configuration asks for it. Never rejects: a failure is logged (the rest of
 * the control plane keeps running), a stop during the CA loading resolves undefined.
 */
export async function launchCertificateService(
  config: ControlPlaneConfig,
  deps: {
    readonly log: Logger;
    readonly registry: Registry;
    readonly signal: AbortSignal;
    /** DNS SANs the CA grants a workload (the mesh names, from the pipeline's world). */
    readonly grantDnsNames?: (account: WorkloadAccount) => readonly string[];
  },
): Promise<CertificateService | undefined> {
  const address = certificateListenAddress(config);
  const log = deps.log.child({ part: 'certificates' });
  if (address === undefined) {
    log.info({ source: config.source }, 'certificate service off (--ca-listen)');
    return undefined;
  }
  try {
    return await startCertificateService({
      http: kubeHttpOf(config),
      ...address,
      trustDomain: config.trustDomain,
      namespace: config.caNamespace,
      serviceAccount: config.caServiceAccount,
      dnsNames: certificateDnsNames(config),
      secretName: config.caSecret,
      pluggedSecretName: config.caPluggedSecret,
      maxLifetimeMs: config.maxSvidLifetime,
      ...certificateServiceSettings(config),
      log,
      registry: deps.registry,
      signal: deps.signal,
      ...(deps.grantDnsNames === undefined ? {} : { grantDnsNames: deps.grantDnsNames }),
    });
  } catch (err) {
    if (!deps.signal.aborted) log.error({ err: (err as Error).message, address: `${address.host}:${address.port}` }, 'the certificate service could not start; the rest of the control plane keeps running');
    return undefined;
  }
}
