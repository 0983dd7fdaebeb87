// The names the injector reads on namespaces and pods and writes into pods. They are a user-facing contract: the
// chart's MutatingWebhookConfiguration selects on INJECT_LABEL, and `kubectl get pod -o yaml` shows the rest.

/** Namespace label `enabled` | `disabled`; pod label or annotation `true` | `false` (the pod's own choice). */
export const INJECT_LABEL = 'weft.dev/inject';
/** Pod annotation choosing APISIX's config store: `etcd` (the agent's etcd v3 API on loopback) or `yaml`. */
export const CONFIG_STORE_ANNOTATION = 'weft.dev/config-store';
/** Written on injection: which injector version did it and how (JSON). */
export const INJECTED_ANNOTATION = 'weft.dev/injected';
/** Written on injection: the containers and volumes added (JSON); its presence makes injection a no-op. */
export const STATUS_ANNOTATION = 'weft.dev/status';
/**
 * Written on injection when the agent asks the certificate service for its SVID: the CA roots (PEM) it verifies the
 * service with. The agent reads them as a file, projected from this annotation by the downward API.
 */
export const CA_ROOTS_ANNOTATION = 'weft.dev/ca-roots';
/**
 * Written on injection when agents are given the CA of NATS's server certificate (--inject-nats-ca-file): that CA
 * (PEM), projected into the agent's file WEFT_NATS_CA by the downward API, like the CA roots.
 */
export const NATS_CA_ANNOTATION = 'weft.dev/nats-ca';
/**
 * The agent's variable asking it to present its SVID as NATS client certificate (set with --inject-nats-client-svid).
 * It must match the agent's flag (apps/agent/src/config.ts, the NATS identity work).
 */
export const NATS_CLIENT_SVID_ENV = 'WEFT_NATS_CLIENT_SVID';
/** Pod annotation `"false"`: keep the app's kubelet probes as they are (by default they go through the agent). */
export const REWRITE_PROBES_ANNOTATION = 'weft.dev/rewrite-app-probes';
/** Written when a selected pod is skipped (host network): why. */
export const SKIPPED_ANNOTATION = 'weft.dev/injection-skipped';
/** kubectl's default container for logs/exec: kept on the app, not a sidecar. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** Traffic annotations, like Istio's `traffic.sidecar.istio.io/*`. Ports and CIDRs are comma-separated. */
export const TRAFFIC_ANNOTATIONS = {
  excludeInboundPorts: 'traffic.weft.dev/excludeInboundPorts',
  includeInboundPorts: 'traffic.weft.dev/includeInboundPorts',
  excludeOutboundPorts: 'traffic.weft.dev/excludeOutboundPorts',
  excludeOutboundIPRanges: 'traffic.weft.dev/excludeOutboundIPRanges',
  includeOutboundIPRanges: 'traffic.weft.dev/includeOutboundIPRanges',
} as const;

/** Other injectors' namespace labels: a namespace asking for both meshes is refused, not half-meshed twice. */
export const ISTIO_INJECTION_LABEL = 'istio-injection';
export const ISTIO_REVISION_LABEL = 'istio.io/rev';

/** What the injector adds; a pod that already has one of these names without STATUS_ANNOTATION is refused. */
export const INIT_CONTAINER_NAME = 'weft-init';
export const AGENT_CONTAINER_NAME = 'weft-agent';
export const APISIX_CONTAINER_NAME = 'weft-apisix';
export const TOKEN_VOLUME = 'weft-token';
export const STATE_VOLUME = 'weft-state';
export const APISIX_CONFIG_VOLUME = 'weft-apisix-config';
/** Containers of other sidecar injectors that must not be meshed a second time. */
export const FOREIGN_SIDECARS = ['istio-proxy', 'istio-init', 'linkerd-proxy', 'linkerd-init'] as const;

/** Where the injected containers find their files. */
export const PATHS = {
  tokenDir: '/var/run/secrets/weft',
  tokenFile: '/var/run/secrets/weft/token',
  caRootsFile: '/var/run/secrets/weft/ca-roots.pem',
  natsCaFile: '/var/run/secrets/weft/nats-ca.pem',
  stateDir: '/var/run/weft/state',
  apisixConfigDir: '/var/run/weft/apisix',
  apisixYaml: '/var/run/weft/apisix/apisix.yaml',
  /** The mesh trust bundle the agent writes for APISIX's nginx (apisix.ssl.ssl_trusted_certificate). */
  trustBundleFile: '/var/run/weft/apisix/trust-bundle.pem',
  /** The APISIX image's home (apache/apisix images): conf/config.yaml, conf/apisix.yaml, conf/nginx.conf. */
  apisixHome: '/usr/local/apisix',
} as const;
