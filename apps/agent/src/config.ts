import { agentIdOf } from '@weft/bus';
import { ConfigError, entry, parseConfig, parsers } from '@weft/telemetry';
import type { ConfigOf } from '@weft/telemetry';
import { appProbesConfig } from './app-probes/config-entries.js';
import { identityConfig, identityConfigProblems } from './identity/config-entries.js';
import { meshTlsConfig } from './mesh-tls/config-entries.js';

/**
 * Every setting of the agent. The pod identity comes from the downward API (the injector sets POD_NAME,
 * POD_NAMESPACE, SERVICE_ACCOUNT and NODE_NAME), the rest from flags or WEFT_* variables.
 */
export const agentConfig = {
  podName: entry({
    flag: 'pod-name',
    env: 'POD_NAME',
    default: '',
    description: 'This pod’s name (downward API); required unless --snapshot.',
    parse: parsers.string,
  }),
  podNamespace: entry({
    flag: 'pod-namespace',
    env: 'POD_NAMESPACE',
    default: '',
    description: 'This pod’s namespace (downward API); required unless --snapshot.',
    parse: parsers.string,
  }),
  serviceAccount: entry({
    flag: 'service-account',
    env: 'SERVICE_ACCOUNT',
    default: 'default',
    description: 'This pod’s ServiceAccount (downward API): its SPIFFE identity.',
    parse: parsers.nonEmpty,
  }),
  nodeName: entry({ flag: 'node-name', env: 'NODE_NAME', default: '', description: 'The node this pod runs on (downward API).', parse: parsers.string }),
  clusterId: entry({
    flag: 'cluster-id',
    env: 'WEFT_CLUSTER_ID',
    default: 'default',
    description: 'Cluster id: the prefix of every NATS subject and stream.',
    parse: parsers.token,
  }),
  natsUrl: entry({ flag: 'nats-url', env: 'WEFT_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS server(s), comma-separated.', parse: parsers.nonEmpty }),
  natsCa: entry({ flag: 'nats-ca', env: 'WEFT_NATS_CA', default: '', description: 'PEM file of the CA that signs the NATS server certificate (enables TLS).', parse: parsers.string }),
  natsCert: entry({ flag: 'nats-cert', env: 'WEFT_NATS_CERT', default: '', description: 'PEM client certificate for NATS mutual TLS.', parse: parsers.string }),
  natsKey: entry({ flag: 'nats-key', env: 'WEFT_NATS_KEY', default: '', description: 'PEM client key for NATS mutual TLS.', parse: parsers.string }),
  natsClientSvid: entry({
    flag: 'nats-client-svid',
    env: 'WEFT_NATS_CLIENT_SVID',
    default: 'false',
    description:
      'Present the SVID (held in memory, from --ca-address) as NATS client certificate; each new connection takes the current one. Needs --ca-address; replaces --nats-cert/--nats-key.',
    parse: parsers.boolean,
  }),
  store: entry({
    flag: 'store',
    env: 'WEFT_STORE',
    default: 'etcd',
    description: 'APISIX config store: "etcd" (etcd v3 API on loopback), "yaml" (standalone apisix.yaml) or "both".',
    parse: parsers.oneOf('etcd', 'yaml', 'both'),
  }),
  etcdHost: entry({ flag: 'etcd-host', env: 'WEFT_ETCD_HOST', default: '127.0.0.1', description: 'Address of the etcd v3 API (HTTP/JSON and gRPC on one port).', parse: parsers.nonEmpty }),
  etcdPort: entry({ flag: 'etcd-port', env: 'WEFT_ETCD_PORT', default: '2379', description: 'Port of the etcd v3 API; 0 picks a free one.', parse: parsers.port }),
  apisixYaml: entry({
    flag: 'apisix-yaml',
    env: 'WEFT_APISIX_YAML',
    default: '/usr/local/apisix/conf/apisix.yaml',
    description: 'Where the standalone apisix.yaml is written (store yaml or both).',
    parse: parsers.nonEmpty,
  }),
  stateDir: entry({
    flag: 'state-dir',
    env: 'WEFT_STATE_DIR',
    default: '/var/run/weft',
    description: 'Folder for the last applied snapshot and revision, restored at start before NATS answers.',
    parse: parsers.nonEmpty,
  }),
  snapshot: entry({
    flag: 'snapshot',
    env: 'WEFT_SNAPSHOT',
    default: '',
    description: 'Offline mode: serve this snapshot file and do not connect to NATS.',
    parse: parsers.string,
  }),
  statusInterval: entry({
    flag: 'status-interval',
    env: 'WEFT_STATUS_INTERVAL',
    default: '10s',
    description: 'How often the agent reports its status even when nothing changes.',
    parse: parsers.duration,
  }),
  statusDelay: entry({
    flag: 'status-delay',
    env: 'WEFT_STATUS_DELAY',
    default: '500ms',
    description: 'How long after applying a version the agent reports it; the versions applied meanwhile go into one report (0s: at once).',
    parse: parsers.duration,
  }),
  maxSnapshotBytes: entry({
    flag: 'max-snapshot-bytes',
    env: 'WEFT_MAX_SNAPSHOT_BYTES',
    default: '67108864',
    description: 'Largest snapshot the agent accepts (its canonical encoding).',
    parse: parsers.positiveInt,
  }),
  healthPort: entry({ flag: 'health-port', env: 'WEFT_HEALTH_PORT', default: '15021', description: 'Port of /healthz, /readyz and /metrics.', parse: parsers.port }),
  healthHost: entry({ flag: 'health-host', env: 'WEFT_HEALTH_HOST', default: '0.0.0.0', description: 'Address /healthz, /readyz and /metrics listen on.', parse: parsers.nonEmpty }),
  logLevel: entry({ flag: 'log-level', env: 'WEFT_LOG_LEVEL', default: 'info', description: 'pino log level.', parse: parsers.logLevel }),
  // The SVID from the certificate service (off unless --ca-address is set).
  ...identityConfig,
  // The SVID as APISIX ssl objects, and the trust bundle file APISIX's nginx reads.
  ...meshTlsConfig,
  // The app's kubelet probes, rewritten by the injector to the health port.
  ...appProbesConfig,
};

export type AgentConfig = ConfigOf<typeof agentConfig>;

/**
 * Parses the agent's settings (flags, then environment, then defaults). Following NATS needs the pod identity
 * (its agent id); the offline mode (`--snapshot`) does not. Throws ConfigError listing every problem.
 */
export function readAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const config = parseConfig(agentConfig, argv, env);
  const identityProblems = identityConfigProblems(config);
  if (config.natsClientSvid && config.caAddress === '') identityProblems.push('--nats-client-svid needs --ca-address: the SVID comes from the certificate service');
  if (identityProblems.length > 0) throw new ConfigError(identityProblems);
  if (config.snapshot !== '') return config;
  if (config.podName === '' || config.podNamespace === '') {
    throw new ConfigError(['--pod-name and --pod-namespace (or POD_NAME and POD_NAMESPACE) are required to follow NATS; use --snapshot FILE to run offline']);
  }
  try {
    agentIdOf(config.podNamespace, config.podName);
  } catch (err) {
    throw new ConfigError([`--pod-name/--pod-namespace: ${(err as Error).message}`]);
  }
  return config;
}
