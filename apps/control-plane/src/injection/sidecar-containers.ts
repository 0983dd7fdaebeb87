import { APP_PROBERS_ENV } from '@weft/model';
import { APISIX_CONFIG_ENV, apisixConfigYaml, apisixStartScript } from './apisix-config.js';
import {
  AGENT_CONTAINER_NAME,
  CA_ROOTS_ANNOTATION,
  APISIX_CONFIG_VOLUME,
  APISIX_CONTAINER_NAME,
  INIT_CONTAINER_NAME,
  NATS_CA_ANNOTATION,
  NATS_CLIENT_SVID_ENV,
  PATHS,
  STATE_VOLUME,
  TOKEN_VOLUME,
} from './names.js';
import type { EnvVar, InjectedContainer, InjectedVolume, ProjectedSource } from './pod-types.js';
import type { ConfigStore, InjectionSettings } from './settings.js';

/** What injection adds to one pod. With native sidecars `containers` is empty: all three are init containers. */
export interface Sidecars {
  readonly initContainers: readonly InjectedContainer[];
  readonly containers: readonly InjectedContainer[];
  readonly volumes: readonly InjectedVolume[];
}

/** What the agent gets from this pod besides the settings. */
export interface SidecarExtras {
  /** JSON of the app's original probes (AppProbers), which the agent runs on the kubelet's behalf. */
  readonly appProbers?: string;
}

const fromField = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The containers and volumes for one pod. Order matters with native sidecars: the kubelet starts init containers
 * one by one and moves on from a sidecar once its startup probe passes, so interception is in place first, then the
 * agent has applied its first snapshot (its /readyz), then APISIX has loaded it (/status/ready), and only then do
 * the pod's own init containers and the app start. On shutdown sidecars stop after the app, in reverse order.
 */
export function sidecarContainers(settings: InjectionSettings, store: ConfigStore, interceptionArgs: readonly string[], extras: SidecarExtras = {}): Sidecars {
  const pull = settings.imagePullPolicy;
  const native = settings.nativeSidecars;
  const init: InjectedContainer = {
    name: INIT_CONTAINER_NAME,
    image: settings.agentImage,
    imagePullPolicy: pull,
    args: interceptionArgs,
    resources: settings.initResources,
    // Root with NET_ADMIN and NET_RAW only, for iptables-restore in the pod's network namespace; never privileged.
    // The root file system stays writable: iptables takes its lock under /run.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
  const agentEnv: EnvVar[] = [
    fromField('POD_NAME', 'metadata.name'),
    fromField('POD_NAMESPACE', 'metadata.namespace'),
    fromField('POD_IP', 'status.podIP'),
    // Every address (dual stack): meshed upstreams with an endpoint here name the mesh names clients send to it.
    fromField('POD_IPS', 'status.podIPs'),
    fromField('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fromField('NODE_NAME', 'spec.nodeName'),
    { name: 'WEFT_CLUSTER_ID', value: settings.clusterId },
    { name: 'WEFT_NATS_URL', value: settings.natsUrl },
    { name: 'WEFT_STORE', value: store },
    { name: 'WEFT_ETCD_HOST', value: '127.0.0.1' },
    { name: 'WEFT_ETCD_PORT', value: String(settings.agentEtcdPort) },
    { name: 'WEFT_APISIX_YAML', value: PATHS.apisixYaml },
    { name: 'WEFT_STATE_DIR', value: PATHS.stateDir },
    { name: 'WEFT_HEALTH_HOST', value: '0.0.0.0' },
    { name: 'WEFT_HEALTH_PORT', value: String(settings.agentHealthPort) },
    { name: 'WEFT_LOG_LEVEL', value: settings.agentLogLevel },
    { name: 'WEFT_TOKEN_FILE', value: PATHS.tokenFile },
    { name: 'WEFT_TRUST_DOMAIN', value: settings.trustDomain },
    ...(settings.caAddress === ''
      ? []
      : [
          { name: 'WEFT_CA_ADDRESS', value: settings.caAddress },
          { name: 'WEFT_CA_ROOT_FILE', value: PATHS.caRootsFile },
          // On the volume APISIX mounts: its nginx verifies peers with it (apisix.ssl.ssl_trusted_certificate).
          { name: 'WEFT_TRUST_BUNDLE_FILE', value: PATHS.trustBundleFile },
          ...(settings.csrMeshNames ? [{ name: 'WEFT_CSR_MESH_NAMES', value: 'true' }] : []),
        ]),
    ...(settings.natsCaFile === '' ? [] : [{ name: 'WEFT_NATS_CA', value: PATHS.natsCaFile }]),
    ...(settings.natsClientSvid ? [{ name: NATS_CLIENT_SVID_ENV, value: 'true' }] : []),
    ...(extras.appProbers === undefined ? [] : [{ name: APP_PROBERS_ENV, value: extras.appProbers }]),
  ];
  const agentProbe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: settings.agentHealthPort },
    periodSeconds,
    failureThreshold,
  });
  const agent: InjectedContainer = {
    name: AGENT_CONTAINER_NAME,
    image: settings.agentImage,
    imagePullPolicy: pull,
    ...(settings.agentArgs.length === 0 ? {} : { args: settings.agentArgs }),
    env: agentEnv,
    ports: [{ name: 'weft-health', containerPort: settings.agentHealthPort, protocol: 'TCP' }],
    ...(native ? { restartPolicy: 'Always' as const } : {}),
    // Ready once the first snapshot is applied (or restored from disk); allow 10 minutes for NATS to answer at first
    // start before the kubelet restarts the agent.
    startupProbe: agentProbe('/readyz', 1, 600),
    readinessProbe: agentProbe('/readyz', 5, 3),
    livenessProbe: agentProbe('/healthz', 10, 3),
    resources: settings.agentResources,
    securityContext: {
      runAsUser: settings.proxyUid,
      runAsGroup: settings.proxyGid,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: TOKEN_VOLUME, mountPath: PATHS.tokenDir, readOnly: true },
      { name: STATE_VOLUME, mountPath: PATHS.stateDir },
      { name: APISIX_CONFIG_VOLUME, mountPath: PATHS.apisixConfigDir },
    ],
  };
  const apisixProbe = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: '/status/ready', port: settings.apisixStatusPort },
    periodSeconds,
    failureThreshold,
  });
  const apisix: InjectedContainer = {
    name: APISIX_CONTAINER_NAME,
    image: settings.apisixImage,
    imagePullPolicy: pull,
    command: ['/bin/sh', '-c', apisixStartScript(store, { trustBundle: settings.caAddress !== '' })],
    env: [{ name: APISIX_CONFIG_ENV, value: apisixConfigYaml(settings, store) }],
    ports: [
      { name: 'weft-outbound', containerPort: settings.outboundPort, protocol: 'TCP' },
      { name: 'weft-inbound', containerPort: settings.inboundPort, protocol: 'TCP' },
      { name: 'weft-apisix', containerPort: settings.apisixStatusPort, protocol: 'TCP' },
    ],
    ...(native ? { restartPolicy: 'Always' as const } : {}),
    startupProbe: apisixProbe(1, 120),
    readinessProbe: apisixProbe(5, 3),
    resources: settings.apisixResources,
    // The image's user owns APISIX's home (conf/nginx.conf is rendered at start); the proxy group exempts its
    // traffic from interception (weft-agent iptables returns traffic of --proxy-gid as well as --proxy-uid).
    securityContext: {
      runAsUser: settings.apisixUid,
      runAsGroup: settings.proxyGid,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: APISIX_CONFIG_VOLUME, mountPath: PATHS.apisixConfigDir, readOnly: true }],
  };
  const identitySources: ProjectedSource[] = [
    { serviceAccountToken: { audience: settings.tokenAudience, expirationSeconds: settings.tokenExpirationSeconds, path: 'token' } },
    // The CA roots travel in the pod's own annotation: no ConfigMap has to exist in every namespace first.
    ...(settings.caAddress === ''
      ? []
      : [{ downwardAPI: { items: [{ path: 'ca-roots.pem', fieldRef: { fieldPath: `metadata.annotations['${CA_ROOTS_ANNOTATION}']` } }] } }]),
    ...(settings.natsCaFile === ''
      ? []
      : [{ downwardAPI: { items: [{ path: 'nats-ca.pem', fieldRef: { fieldPath: `metadata.annotations['${NATS_CA_ANNOTATION}']` } }] } }]),
  ];
  const volumes: InjectedVolume[] = [
    { name: TOKEN_VOLUME, projected: { sources: identitySources } },
    { name: STATE_VOLUME, emptyDir: {} },
    { name: APISIX_CONFIG_VOLUME, emptyDir: {} },
  ];
  return native
    ? { initContainers: [init, agent, apisix], containers: [], volumes }
    : { initContainers: [init], containers: [agent, apisix], volumes };
}
