import { entry, parsers } from '@weft/telemetry';
import type { ConfigOf } from '@weft/telemetry';
import { certificateConfig } from './certificates/config-entries.js';
import { injectionConfig } from './injection/config-entries.js';
import { leaderElectionConfig } from './leadership/config-entries.js';
import { natsAuthConfig } from './nats-auth/config-entries.js';

/** Every setting of the control plane: flag, environment variable, default, purpose. */
export const controlPlaneConfig = {
  source: entry({
    flag: 'source',
    env: 'WEFT_SOURCE',
    default: 'kubernetes',
    description: 'Where the world comes from: "kubernetes" (the API server) or "folder" (a folder of manifests, watched).',
    parse: parsers.oneOf('kubernetes', 'folder'),
  }),
  manifests: entry({
    flag: 'manifests',
    env: 'WEFT_MANIFESTS',
    default: '',
    description: 'The folder of Kubernetes manifests read when --source=folder.',
    parse: parsers.string,
  }),
  kubeconfig: entry({
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    default: '',
    description: 'kubeconfig file; empty: the in-cluster ServiceAccount, else ~/.kube/config.',
    parse: parsers.string,
  }),
  namespaceSelector: entry({
    flag: 'namespace-selector',
    env: 'WEFT_NAMESPACE_SELECTOR',
    default: '',
    description: 'Label selector of the namespaces in the mesh (e.g. "weft.dev/mesh=enabled"); empty: all.',
    parse: parsers.string,
  }),
  clusterId: entry({
    flag: 'cluster-id',
    env: 'WEFT_CLUSTER_ID',
    default: 'default',
    description: 'Cluster id: the prefix of every NATS subject and stream; unique per federated cluster.',
    parse: parsers.token,
  }),
  clusterDomain: entry({
    flag: 'cluster-domain',
    env: 'WEFT_CLUSTER_DOMAIN',
    default: 'cluster.local',
    description: 'DNS domain of the cluster, for the <svc>.<ns>.svc.<domain> host form.',
    parse: parsers.nonEmpty,
  }),
  natsUrl: entry({
    flag: 'nats-url',
    env: 'WEFT_NATS_URL',
    default: 'nats://127.0.0.1:4222',
    description: 'NATS server(s), comma-separated.',
    parse: parsers.nonEmpty,
  }),
  debounce: entry({
    flag: 'debounce',
    env: 'WEFT_DEBOUNCE',
    default: '30ms',
    description: 'Quiet period after a change before translating.',
    parse: parsers.duration,
  }),
  debounceMax: entry({
    flag: 'debounce-max',
    env: 'WEFT_DEBOUNCE_MAX',
    default: '250ms',
    description: 'Longest a change waits for the quiet period, so a storm of changes still converges.',
    parse: parsers.duration,
  }),
  agentStaleAfter: entry({
    flag: 'agent-stale-after',
    env: 'WEFT_AGENT_STALE_AFTER',
    default: '30s',
    description: 'An agent that has not reported for this long is shown as stale.',
    parse: parsers.duration,
  }),
  healthPort: entry({
    flag: 'health-port',
    env: 'WEFT_HEALTH_PORT',
    default: '15014',
    description: 'Port of /healthz, /readyz and /metrics.',
    parse: parsers.port,
  }),
  healthHost: entry({
    flag: 'health-host',
    env: 'WEFT_HEALTH_HOST',
    default: '0.0.0.0',
    description: 'Address /healthz, /readyz and /metrics listen on.',
    parse: parsers.nonEmpty,
  }),
  logLevel: entry({
    flag: 'log-level',
    env: 'WEFT_LOG_LEVEL',
    default: 'info',
    description: 'pino log level.',
    parse: parsers.logLevel,
  }),
  // The sidecar injection webhook (off unless --webhook-listen is set).
  ...injectionConfig,
  // The certificate service (CSR + ServiceAccount token → SVID; on by default for the Kubernetes source).
  ...certificateConfig,
  // Leader election among replicas (on by default for the Kubernetes source).
  ...leaderElectionConfig,
  // NATS TLS, the service user, and the auth callout answered for agents (off unless an issuer seed is given).
  ...natsAuthConfig,
};

export type ControlPlaneConfig = ConfigOf<typeof controlPlaneConfig>;
