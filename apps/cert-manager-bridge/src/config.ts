import { certificateServiceEntries, certificateServiceParsers, parseListenAddress, validateTrustDomain } from '@weft/pki';
import { entry, parsers } from '@weft/telemetry';
import type { ConfigOf } from '@weft/telemetry';

/** The port agents dial for certificates, the same as the control plane's certificate service. */
export const DEFAULT_CA_PORT = 15012;

const listen = (text: string): { readonly host: string; readonly port: number } => parseListenAddress(text, `0.0.0.0:${DEFAULT_CA_PORT}`);

const { dnsNames, lifetime } = certificateServiceParsers;

const positiveDuration = (text: string): number => {
  const ms = parsers.duration(text);
  if (ms <= 0) throw new Error(`"${text}" must be longer than 0`);
  return ms;
};

/**
 * Every setting of the bridge: flag, environment variable (the Helm chart's names), default, purpose. The
 * authentication, rate limit and lifetime settings mean what they mean for the control plane's certificate service.
 */
export const bridgeConfig = {
  kubeconfig: entry({ flag: 'kubeconfig', env: 'KUBECONFIG', default: '', description: 'kubeconfig file; empty: the in-cluster ServiceAccount, else ~/.kube/config.', parse: parsers.string }),
  caListen: entry({
    flag: 'ca-listen',
    env: 'WEFT_CA_LISTEN',
    default: `0.0.0.0:${DEFAULT_CA_PORT}`,
    description: 'host:port of the certificate API (gRPC over TLS, weft.ca.v1.WeftCertificateService, as the control plane serves it); port 0: a free port.',
    parse: listen,
  }),
  trustDomain: entry({
    flag: 'trust-domain',
    env: 'WEFT_TRUST_DOMAIN',
    default: 'cluster.local',
    description: 'SPIFFE trust domain: an agent may only ask for spiffe://<trust-domain>/ns/<its namespace>/sa/<its ServiceAccount>.',
    parse: (text: string) => validateTrustDomain(text),
  }),
  namespace: entry({
    flag: 'namespace',
    env: 'POD_NAMESPACE',
    default: 'weft-system',
    description: 'Namespace the CertificateRequests are created in (the bridge’s own, downward API); an Issuer must be in it, a ClusterIssuer can be anywhere.',
    parse: parsers.token,
  }),
  podName: entry({ flag: 'pod-name', env: 'POD_NAME', default: '', description: 'The bridge’s Pod (downward API): with --pod-uid, the owner of its CertificateRequests, so they are deleted with it.', parse: parsers.string }),
  podUid: entry({ flag: 'pod-uid', env: 'POD_UID', default: '', description: 'The bridge’s Pod UID (downward API metadata.uid); empty: the requests have no owner.', parse: parsers.string }),
  issuerName: entry({ flag: 'issuer-name', env: 'WEFT_ISSUER_NAME', default: undefined, description: 'cert-manager issuer that signs (issuerRef.name).', parse: parsers.nonEmpty }),
  issuerKind: entry({ flag: 'issuer-kind', env: 'WEFT_ISSUER_KIND', default: 'Issuer', description: 'issuerRef.kind: Issuer, ClusterIssuer, or an external issuer’s kind.', parse: parsers.nonEmpty }),
  issuerGroup: entry({ flag: 'issuer-group', env: 'WEFT_ISSUER_GROUP', default: 'cert-manager.io', description: 'issuerRef.group (cert-manager.io, or an external issuer’s API group).', parse: parsers.nonEmpty }),
  issueTimeout: entry({
    flag: 'issue-timeout',
    env: 'WEFT_ISSUE_TIMEOUT',
    default: '30s',
    description: 'How long one request waits for cert-manager to approve and sign before the agent gets UNAVAILABLE (the request is then deleted).',
    parse: positiveDuration,
  }),
  trustBundleFile: entry({
    flag: 'trust-bundle-file',
    env: 'WEFT_TRUST_BUNDLE_FILE',
    default: '',
    description: 'PEM file of the roots agents should trust (e.g. a mounted Secret’s ca.crt), re-read when it changes; empty: the issuer’s CA from each CertificateRequest’s status.ca.',
    parse: parsers.string,
  }),
  trustBundleConfigmap: entry({
    flag: 'trust-bundle-configmap',
    env: 'WEFT_TRUST_BUNDLE_CONFIGMAP',
    default: 'weft-trust-bundle',
    description: 'ConfigMap in the bridge’s namespace the issuer’s CA roots are written to (key roots.pem) whenever they change, for the control plane’s --trust-bundle-configmap; empty: none.',
    parse: parsers.string,
  }),
  maxSvidLifetime: entry({
    flag: 'max-svid-lifetime',
    env: 'WEFT_MAX_SVID_LIFETIME',
    default: '24h',
    description: 'Longest SVID lifetime asked of cert-manager (spec.duration), also the default; a request for more is refused (INVALID_ARGUMENT).',
    parse: lifetime,
  }),
  ...certificateServiceEntries,
  serviceAccount: entry({
    flag: 'service-account',
    env: 'WEFT_SERVICE_ACCOUNT',
    default: 'weft-cert-manager-bridge',
    description: 'The bridge’s own ServiceAccount: the SPIFFE ID of its serving certificate (issued through cert-manager too).',
    parse: parsers.nonEmpty,
  }),
  service: entry({
    flag: 'service',
    env: 'WEFT_CA_SERVICE',
    default: 'weft-cert-manager-bridge',
    description: 'Service in front of the bridge: its serving certificate is for <service>.<namespace>.svc and <service>.<namespace>.svc.<cluster-domain>.',
    parse: parsers.token,
  }),
  clusterDomain: entry({ flag: 'cluster-domain', env: 'WEFT_CLUSTER_DOMAIN', default: 'cluster.local', description: 'DNS domain of the cluster.', parse: parsers.nonEmpty }),
  dnsNames: entry({ flag: 'ca-dns-names', env: 'WEFT_CA_DNS_NAMES', default: '', description: 'More DNS names for the serving certificate, comma-separated (e.g. localhost).', parse: dnsNames }),
  healthHost: entry({ flag: 'health-host', env: 'WEFT_HEALTH_HOST', default: '0.0.0.0', description: 'Address /healthz, /readyz, /metrics and /debug/bridge listen on.', parse: parsers.nonEmpty }),
  healthPort: entry({ flag: 'health-port', env: 'WEFT_HEALTH_PORT', default: '15014', description: 'Port of /healthz, /readyz, /metrics and /debug/bridge; 0: a free port.', parse: parsers.port }),
  logLevel: entry({ flag: 'log-level', env: 'WEFT_LOG_LEVEL', default: 'info', description: 'pino log level.', parse: parsers.logLevel }),
};

export type BridgeConfig = ConfigOf<typeof bridgeConfig>;

/** The serving certificate's names: `<service>.<namespace>.svc`, the same with the cluster domain, and the extra ones. */
export function servingDnsNames(config: Pick<BridgeConfig, 'service' | 'namespace' | 'clusterDomain' | 'dnsNames'>): string[] {
  const svc = `${config.service}.${config.namespace}.svc`;
  return [...new Set([svc, `${svc}.${config.clusterDomain}`, ...config.dnsNames])];
}
