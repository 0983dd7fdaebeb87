import { entry, parsers } from '@weft/telemetry';

/** The agent's mesh-mTLS settings, spread into its config. */
export const meshTlsConfig = {
  trustBundleFile: entry({
    flag: 'trust-bundle-file',
    env: 'WEFT_TRUST_BUNDLE_FILE',
    default: '',
    description: 'Where the mesh trust bundle APISIX verifies peers with is written (apisix.ssl.ssl_trusted_certificate); empty: <state-dir>/trust-bundle.pem.',
    parse: parsers.string,
  }),
  upstreamPublicRoots: entry({
    flag: 'upstream-public-roots',
    env: 'WEFT_UPSTREAM_PUBLIC_ROOTS',
    default: 'true',
    description: 'Also put the public CA roots Node ships (Mozilla’s) in the trust bundle file: nginx verifies every upstream against that one file, so ExternalName https Services need them; mesh names are internal names no public CA issues for.',
    parse: parsers.boolean,
  }),
  podIps: entry({
    flag: 'pod-ips',
    env: 'POD_IPS',
    default: '',
    description: 'This pod’s IPs, comma-separated (downward API status.podIPs): meshed upstreams with an endpoint here tell the mesh names clients send to it.',
    parse: parsers.string,
  }),
};
