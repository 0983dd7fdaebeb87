import { certificateServiceEntries, certificateServiceParsers, parseListenAddress, validateTrustDomain } from '@weft/pki';
import { entry, parsers } from '@weft/telemetry';
import { parseConfigMapRef } from './trust-bundle-configmap.js';

/** `auto`, `off`, or host:port. */
export type CaListen = { readonly mode: 'auto' } | { readonly mode: 'off' } | { readonly mode: 'on'; readonly host: string; readonly port: number };

export const DEFAULT_CA_PORT = 15012;

const caListen = (text: string): CaListen => {
  if (text === 'auto') return { mode: 'auto' };
  if (text === 'off' || text === '') return { mode: 'off' };
  try {
    return { mode: 'on', ...parseListenAddress(text, `0.0.0.0:${DEFAULT_CA_PORT}`) };
  } catch {
    throw new Error(`"${text}" is not auto, off or host:port (e.g. 0.0.0.0:${DEFAULT_CA_PORT})`);
  }
};

const trustDomain = (text: string): string => validateTrustDomain(text);

const { dnsNames, lifetime } = certificateServiceParsers;

/**
 * The certificate service's settings, spread into the control plane's config. With --source=kubernetes it runs by
 * default; with --source=folder (no API server, so no TokenReview) it is off unless --ca-listen names an address.
 */
export const certificateConfig = {
  caListen: entry({
    flag: 'ca-listen',
    env: 'WEFT_CA_LISTEN',
    default: 'auto',
    description: `host:port of the certificate service (gRPC over TLS, CSR + ServiceAccount token → SVID), or "off". "auto": 0.0.0.0:${DEFAULT_CA_PORT} with --source=kubernetes; off with --source=folder, which has no TokenReview — name an address to run it there anyway (it then uses --kubeconfig's API server).`,
    parse: caListen,
  }),
  trustDomain: entry({
    flag: 'trust-domain',
    env: 'WEFT_TRUST_DOMAIN',
    default: 'cluster.local',
    description: 'SPIFFE trust domain of the mesh: SVIDs are spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.',
    parse: trustDomain,
  }),
  caNamespace: entry({
    flag: 'ca-namespace',
    env: 'POD_NAMESPACE',
    default: 'weft-system',
    description: 'Namespace of the control plane (downward API): where the CA Secrets are, and the namespace of the certificate service’s own identity and DNS name.',
    parse: parsers.token,
  }),
  caServiceAccount: entry({
    flag: 'ca-service-account',
    env: 'WEFT_SERVICE_ACCOUNT',
    default: 'weft-control-plane',
    description: 'ServiceAccount of the control plane: the SPIFFE identity in the certificate service’s serving certificate.',
    parse: parsers.nonEmpty,
  }),
  caService: entry({
    flag: 'ca-service',
    env: 'WEFT_CA_SERVICE',
    default: 'weft-control-plane',
    description: 'Service in front of the certificate service: its serving certificate is for <service>.<namespace>.svc and <service>.<namespace>.svc.<cluster-domain>.',
    parse: parsers.token,
  }),
  caDnsNames: entry({
    flag: 'ca-dns-names',
    env: 'WEFT_CA_DNS_NAMES',
    default: '',
    description: 'More DNS names for the certificate service’s serving certificate, comma-separated (e.g. localhost).',
    parse: dnsNames,
  }),
  caSecret: entry({
    flag: 'ca-secret',
    env: 'WEFT_CA_SECRET',
    default: 'weft-ca',
    description: 'Secret (in --ca-namespace) that keeps the self-signed root, created at first start; replicas share it.',
    parse: parsers.nonEmpty,
  }),
  trustBundleConfigmap: entry({
    flag: 'trust-bundle-configmap',
    env: 'WEFT_TRUST_BUNDLE_CONFIGMAP',
    default: '',
    description:
      '<namespace>/<name> of a ConfigMap whose roots.pem is the mesh trust bundle (cert-manager mode: the bridge writes its issuer’s CA there): snapshots carry it and injected agents get it as weft.dev/ca-roots, instead of this CA; watched. Empty: this CA.',
    parse: parseConfigMapRef,
  }),
  caPluggedSecret: entry({
    flag: 'ca-plugged-secret',
    env: 'WEFT_CA_PLUGGED_SECRET',
    default: '',
    description: 'A Secret (in --ca-namespace) holding your own CA in Istio’s cacerts layout (ca.crt, ca.key, cert-chain.pem, root-cert.pem); empty: a self-signed root.',
    parse: parsers.string,
  }),
  maxSvidLifetime: entry({
    flag: 'max-svid-lifetime',
    env: 'WEFT_MAX_SVID_LIFETIME',
    default: '24h',
    description: 'Longest SVID lifetime granted, also the default; a request for more is refused (INVALID_ARGUMENT).',
    parse: lifetime,
  }),
  ...certificateServiceEntries,
};
