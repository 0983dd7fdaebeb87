import { validateTrustDomain } from '@weft/pki';
import { entry, parsers } from '@weft/telemetry';

const caAddress = (text: string): string => {
  if (text === '') return text;
  const m = /^(.*):(\d{1,5})$/.exec(text);
  if (m === null || m[1] === '' || Number(m[2]) > 65535 || Number(m[2]) === 0) throw new Error(`"${text}" is not host:port (e.g. weft-control-plane.weft-system.svc:15012)`);
  return text;
};

const lifetime = (text: string): number => {
  if (text === 'default') return 0;
  const ms = parsers.duration(text);
  if (ms < 10_000) throw new Error(`"${text}" is shorter than 10s`);
  return ms;
};

/** The agent's identity settings, spread into its config. Off (no SVID) unless --ca-address is set. */
export const identityConfig = {
  caAddress: entry({
    flag: 'ca-address',
    env: 'WEFT_CA_ADDRESS',
    default: '',
    description: 'host:port of the certificate service (e.g. weft-control-plane.weft-system.svc:15012); empty: no SVID.',
    parse: caAddress,
  }),
  caRootFile: entry({
    flag: 'ca-root-file',
    env: 'WEFT_CA_ROOT_FILE',
    default: '',
    description: 'PEM file of the trust bundle the certificate service’s certificate chains to; required with --ca-address.',
    parse: parsers.string,
  }),
  caServerName: entry({
    flag: 'ca-server-name',
    env: 'WEFT_CA_SERVER_NAME',
    default: '',
    description: 'Name checked in the certificate service’s certificate; empty: the host of --ca-address.',
    parse: parsers.string,
  }),
  tokenFile: entry({
    flag: 'token-file',
    env: 'WEFT_TOKEN_FILE',
    default: '/var/run/secrets/weft/token',
    description: 'Projected ServiceAccount token (audience "weft") sent with each certificate request; re-read every time.',
    parse: parsers.nonEmpty,
  }),
  trustDomain: entry({
    flag: 'trust-domain',
    env: 'WEFT_TRUST_DOMAIN',
    default: 'cluster.local',
    description: 'SPIFFE trust domain: the agent asks for spiffe://<trust-domain>/ns/<pod namespace>/sa/<service account>.',
    parse: (text: string) => validateTrustDomain(text),
  }),
  csrMeshNames: entry({
    flag: 'csr-mesh-names',
    env: 'WEFT_CSR_MESH_NAMES',
    default: 'false',
    description:
      'Put the mesh names the snapshot demands (docs/mesh-mtls.md) into each CSR: needed with the cert-manager bridge, which signs a CSR as it is; off for the control plane’s CA, which grants the names itself and refuses names it does not grant.',
    parse: parsers.boolean,
  }),
  svidLifetime: entry({
    flag: 'svid-lifetime',
    env: 'WEFT_SVID_LIFETIME',
    default: 'default',
    description: 'SVID lifetime to ask for (e.g. 24h); "default": the CA’s. Rotated at half-life with jitter.',
    parse: lifetime,
  }),
};

/** Problems of the identity settings that no single entry can see; empty when fine. */
export function identityConfigProblems(config: { readonly caAddress: string; readonly caRootFile: string; readonly podNamespace: string }): string[] {
  if (config.caAddress === '') return [];
  const problems: string[] = [];
  if (config.caRootFile === '') problems.push('--ca-root-file (or WEFT_CA_ROOT_FILE) is required with --ca-address: the PEM roots that sign the certificate service’s certificate');
  if (config.podNamespace === '') problems.push('--pod-namespace (or POD_NAMESPACE) is required with --ca-address: it is part of the SPIFFE ID');
  return problems;
}
