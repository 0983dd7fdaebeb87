import { entry, parsers } from '@weft/telemetry';
import { INJECTION_DEFAULTS, parseResourceRequirements } from './settings.js';

const listenAddress = (text: string): string => {
  if (text === '') return text;
  const m = /^(.*):(\d{1,5})$/.exec(text);
  if (m === null || m[1] === '' || Number(m[2]) > 65535) throw new Error(`"${text}" is not host:port (e.g. 0.0.0.0:15017)`);
  return text;
};
const id = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > 4294967294) throw new Error(`"${text}" is not a user/group id (1-4294967294; not 0, root)`);
  return n;
};
const dnsNames = (text: string): readonly string[] => {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) throw new Error(`"${name}" is not a lowercase DNS name`);
  }
  return names;
};
const words = (text: string): readonly string[] => text.split(/\s+/).filter((s) => s !== '');
const resources = (text: string) => parseResourceRequirements(text);

/**
 * The injection webhook's settings, spread into the control plane's config. The webhook runs only when
 * --webhook-listen is set; it reads namespace labels and keeps its configuration's caBundle through --kubeconfig's
 * API server, and shares the CA, namespace and identity settings of the certificate service (--ca-*, --trust-domain).
 */
export const injectionConfig = {
  webhookListen: entry({
    flag: 'webhook-listen',
    env: 'WEFT_WEBHOOK_LISTEN',
    default: '',
    description: 'host:port of the sidecar injection webhook (HTTPS, POST /inject), e.g. 0.0.0.0:15017; empty: no webhook. It reads namespace labels and keeps its configuration’s caBundle through the API server of --kubeconfig.',
    parse: listenAddress,
  }),
  webhookConfiguration: entry({
    flag: 'webhook-configuration',
    env: 'WEFT_WEBHOOK_CONFIGURATION',
    default: 'weft-sidecar-injector',
    description: 'MutatingWebhookConfiguration whose clientConfig.caBundle the control plane keeps equal to its CA roots.',
    parse: parsers.nonEmpty,
  }),
  webhookResync: entry({
    flag: 'webhook-resync',
    env: 'WEFT_WEBHOOK_RESYNC',
    default: '60s',
    description: 'How often the caBundle of the webhook configuration is checked (and repaired, e.g. after helm upgrade).',
    parse: parsers.duration,
  }),
  webhookService: entry({
    flag: 'webhook-service',
    env: 'WEFT_WEBHOOK_SERVICE',
    default: 'weft-control-plane',
    description: 'Service in front of the webhook: its serving certificate is for <service>.<namespace>.svc (namespace: --ca-namespace, the control plane’s).',
    parse: parsers.token,
  }),
  webhookDnsNames: entry({
    flag: 'webhook-dns-names',
    env: 'WEFT_WEBHOOK_DNS_NAMES',
    default: '',
    description: 'More DNS names for the webhook’s serving certificate, comma-separated (e.g. localhost for a webhook URL on loopback).',
    parse: dnsNames,
  }),
  injectAgentImage: entry({
    flag: 'inject-agent-image',
    env: 'WEFT_INJECT_AGENT_IMAGE',
    default: '',
    description: 'Image of the injected weft-agent and weft-init containers; required with --webhook-listen.',
    parse: parsers.string,
  }),
  injectApisixImage: entry({
    flag: 'inject-apisix-image',
    env: 'WEFT_INJECT_APISIX_IMAGE',
    default: 'apache/apisix:3.17.0-debian',
    description: 'Image of the injected APISIX container (an apache/apisix image: home /usr/local/apisix, user 636).',
    parse: parsers.nonEmpty,
  }),
  injectImagePullPolicy: entry({
    flag: 'inject-image-pull-policy',
    env: 'WEFT_INJECT_IMAGE_PULL_POLICY',
    default: INJECTION_DEFAULTS.imagePullPolicy,
    description: 'imagePullPolicy of the injected containers.',
    parse: parsers.oneOf('Always', 'IfNotPresent', 'Never'),
  }),
  injectNatsUrl: entry({
    flag: 'inject-nats-url',
    env: 'WEFT_INJECT_NATS_URL',
    default: '',
    description: 'NATS url(s) the injected agents follow; empty: the same as --nats-url.',
    parse: parsers.string,
  }),
  injectNatsCaFile: entry({
    flag: 'inject-nats-ca-file',
    env: 'WEFT_INJECT_NATS_CA_FILE',
    default: '',
    description: 'PEM file of the CA that signs NATS’s server certificate, handed to injected agents (annotation weft.dev/nats-ca, file WEFT_NATS_CA); read again when it changes. Empty: agents get no NATS CA.',
    parse: parsers.string,
  }),
  injectNatsClientSvid: entry({
    flag: 'inject-nats-client-svid',
    env: 'WEFT_INJECT_NATS_CLIENT_SVID',
    default: 'false',
    description: 'Injected agents present their SVID as NATS client certificate (mutual TLS); needs --inject-ca-address.',
    parse: parsers.boolean,
  }),
  injectCaAddress: entry({
    flag: 'inject-ca-address',
    env: 'WEFT_INJECT_CA_ADDRESS',
    default: '',
    description: 'host:port of the certificate service, given to injected agents (WEFT_CA_ADDRESS); empty: none.',
    parse: parsers.string,
  }),
  injectCsrMeshNames: entry({
    flag: 'inject-csr-mesh-names',
    env: 'WEFT_INJECT_CSR_MESH_NAMES',
    default: 'false',
    description: 'Injected agents put the mesh names their snapshot demands into their CSRs (WEFT_CSR_MESH_NAMES): on for the cert-manager bridge, which signs CSRs as they are; needs --inject-ca-address.',
    parse: parsers.boolean,
  }),
  injectConfigStore: entry({
    flag: 'inject-config-store',
    env: 'WEFT_INJECT_CONFIG_STORE',
    default: INJECTION_DEFAULTS.defaultConfigStore,
    description: 'APISIX config store of pods without the weft.dev/config-store annotation: "etcd" (loopback etcd v3 API) or "yaml".',
    parse: parsers.oneOf('etcd', 'yaml'),
  }),
  injectNativeSidecars: entry({
    flag: 'inject-native-sidecars',
    env: 'WEFT_INJECT_NATIVE_SIDECARS',
    default: String(INJECTION_DEFAULTS.nativeSidecars),
    description: 'Inject the agent and APISIX as native sidecars (init containers with restartPolicy Always; Kubernetes ≥ 1.29), so they start before and stop after the app.',
    parse: parsers.boolean,
  }),
  injectProxyUid: entry({
    flag: 'inject-proxy-uid',
    env: 'WEFT_INJECT_PROXY_UID',
    default: String(INJECTION_DEFAULTS.proxyUid),
    description: 'User id of the injected agent; its traffic is never redirected.',
    parse: id,
  }),
  injectProxyGid: entry({
    flag: 'inject-proxy-gid',
    env: 'WEFT_INJECT_PROXY_GID',
    default: String(INJECTION_DEFAULTS.proxyGid),
    description: 'Group id of the injected agent and APISIX; their traffic is never redirected.',
    parse: id,
  }),
  injectApisixUid: entry({
    flag: 'inject-apisix-uid',
    env: 'WEFT_INJECT_APISIX_UID',
    default: String(INJECTION_DEFAULTS.apisixUid),
    description: 'User id of the injected APISIX: the owner of the image’s /usr/local/apisix (636 in apache/apisix images).',
    parse: id,
  }),
  injectInboundPort: entry({
    flag: 'inject-inbound-port',
    env: 'WEFT_INJECT_INBOUND_PORT',
    default: String(INJECTION_DEFAULTS.inboundPort),
    description: 'APISIX’s inbound (mTLS) port that inbound TCP is redirected to.',
    parse: parsers.port,
  }),
  injectOutboundPort: entry({
    flag: 'inject-outbound-port',
    env: 'WEFT_INJECT_OUTBOUND_PORT',
    default: String(INJECTION_DEFAULTS.outboundPort),
    description: 'APISIX’s outbound port that the app’s outbound TCP is redirected to.',
    parse: parsers.port,
  }),
  injectAgentArgs: entry({
    flag: 'inject-agent-args',
    env: 'WEFT_INJECT_AGENT_ARGS',
    default: '',
    description: 'Extra flags of the injected agent, space-separated (e.g. "--status-interval=30s").',
    parse: words,
  }),
  injectAgentLogLevel: entry({
    flag: 'inject-agent-log-level',
    env: 'WEFT_INJECT_AGENT_LOG_LEVEL',
    default: INJECTION_DEFAULTS.agentLogLevel,
    description: 'Log level of the injected agents.',
    parse: parsers.logLevel,
  }),
  injectAgentResources: entry({
    flag: 'inject-agent-resources',
    env: 'WEFT_INJECT_AGENT_RESOURCES',
    default: JSON.stringify(INJECTION_DEFAULTS.agentResources),
    description: 'Resources of the injected agent, JSON {"requests":{…},"limits":{…}}.',
    parse: resources,
  }),
  injectApisixResources: entry({
    flag: 'inject-apisix-resources',
    env: 'WEFT_INJECT_APISIX_RESOURCES',
    default: JSON.stringify(INJECTION_DEFAULTS.apisixResources),
    description: 'Resources of the injected APISIX, JSON {"requests":{…},"limits":{…}}.',
    parse: resources,
  }),
};
