/** Requests and limits of one container, as Kubernetes writes them (`cpu: 100m`, `memory: 128Mi`). */
export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

export type ConfigStore = 'etcd' | 'yaml';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Everything the injector puts into a pod that does not come from the pod itself. Checked once at start. */
export interface InjectionSettings {
  /** Weft's version, recorded in `weft.dev/injected`. */
  readonly version: string;
  /** Image of `weft-agent`; also runs `weft-agent iptables` in the init container. */
  readonly agentImage: string;
  readonly apisixImage: string;
  readonly imagePullPolicy: PullPolicy;
  readonly clusterId: string;
  /** NATS server(s) the agent follows, comma-separated. */
  readonly natsUrl: string;
  /**
   * PEM file of the CA that signs NATS's server certificate (the chart mounts nats.tls.secretName's ca.crt); read per
   * pod and handed to the agent. Empty: agents get no NATS CA.
   */
  readonly natsCaFile: string;
  /** Agents present their SVID as NATS client certificate (mutual TLS; needs caAddress). */
  readonly natsClientSvid: boolean;
  /**
   * Agents put the mesh names their snapshot demands into their CSRs (WEFT_CSR_MESH_NAMES): for the cert-manager
   * bridge, which signs CSRs as they are; the control plane's CA grants names itself. Needs caAddress.
   */
  readonly csrMeshNames: boolean;
  /** `host:port` of the control plane's certificate service; empty: the agent asks for no SVID. */
  readonly caAddress: string;
  /** SPIFFE trust domain the agent asks its SVID in. */
  readonly trustDomain: string;
  /** The user and group whose traffic is never redirected (the agent runs as both; APISIX with the group). */
  readonly proxyUid: number;
  readonly proxyGid: number;
  /** APISIX's user: the apache/apisix images own their home with `apisix` (636), and APISIX writes nginx.conf there. */
  readonly apisixUid: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  /** The agent's /healthz, /readyz and /metrics. */
  readonly agentHealthPort: number;
  /** The agent's etcd v3 API, on loopback only. */
  readonly agentEtcdPort: number;
  /** APISIX's status server (`/status/ready`), probed by the kubelet. */
  readonly apisixStatusPort: number;
  readonly apisixWorkerProcesses: number;
  /** Store of pods without the `weft.dev/config-store` annotation. */
  readonly defaultConfigStore: ConfigStore;
  /** Agent and APISIX as Kubernetes native sidecars (init containers with restartPolicy Always, Kubernetes ≥ 1.29). */
  readonly nativeSidecars: boolean;
  readonly agentLogLevel: string;
  /** Extra arguments of the agent container (flags of `weft-agent`). */
  readonly agentArgs: readonly string[];
  readonly agentResources: ResourceRequirements;
  readonly apisixResources: ResourceRequirements;
  readonly initResources: ResourceRequirements;
  /** Audience and lifetime of the agent's projected ServiceAccount token. */
  readonly tokenAudience: string;
  readonly tokenExpirationSeconds: number;
}

/** Defaults of every setting but the images and addresses, which the configuration always gives. */
export const INJECTION_DEFAULTS = {
  imagePullPolicy: 'IfNotPresent',
  proxyUid: 1337,
  proxyGid: 1337,
  apisixUid: 636,
  inboundPort: 15006,
  outboundPort: 15001,
  agentHealthPort: 15021,
  agentEtcdPort: 15010,
  apisixStatusPort: 15022,
  apisixWorkerProcesses: 1,
  defaultConfigStore: 'etcd',
  nativeSidecars: true,
  agentLogLevel: 'info',
  agentResources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  apisixResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  initResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
  tokenAudience: 'weft',
  tokenExpirationSeconds: 3600,
  natsCaFile: '',
  natsClientSvid: false,
  csrMeshNames: false,
} as const satisfies Partial<InjectionSettings>;

export class InjectionSettingsError extends Error {
  override readonly name = 'InjectionSettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid injection settings: ${problems.join('; ')}`);
  }
}

// Kubernetes quantities: a decimal number with an optional binary or decimal suffix.
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Parses `{"requests":{"cpu":"10m"},"limits":{"memory":"64Mi"}}`; throws an Error naming the bad part. */
export function parseResourceRequirements(text: string): ResourceRequirements {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`"${text}" is not JSON like {"requests":{"cpu":"10m","memory":"64Mi"},"limits":{"memory":"256Mi"}}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('resources must be a JSON object with "requests" and/or "limits"');
  const out: Record<string, Record<string, string>> = {};
  for (const [part, quantities] of Object.entries(value)) {
    if (part !== 'requests' && part !== 'limits') throw new Error(`unknown key "${part}" (only "requests" and "limits")`);
    if (typeof quantities !== 'object' || quantities === null || Array.isArray(quantities)) throw new Error(`"${part}" must be an object of quantities`);
    const checked: Record<string, string> = {};
    for (const [resource, quantity] of Object.entries(quantities as Record<string, unknown>)) {
      if (typeof quantity !== 'string' || !QUANTITY.test(quantity)) throw new Error(`${part}.${resource}: "${String(quantity)}" is not a Kubernetes quantity (e.g. 100m, 128Mi)`);
      checked[resource] = quantity;
    }
    out[part] = checked;
  }
  return out;
}

/** Checks settings that flags cannot check alone; throws InjectionSettingsError listing every problem. */
export function checkInjectionSettings(settings: InjectionSettings): InjectionSettings {
  const problems: string[] = [];
  if (settings.agentImage.trim() === '') problems.push('the agent image is empty');
  if (settings.apisixImage.trim() === '') problems.push('the APISIX image is empty');
  if (settings.natsUrl.trim() === '') problems.push('the NATS url is empty');
  if (settings.natsClientSvid && settings.caAddress === '') problems.push('agents cannot present their SVID to NATS without a certificate service address');
  if (settings.csrMeshNames && settings.caAddress === '') problems.push('agents cannot ask for mesh names without a certificate service address');
  const ports = {
    inbound: settings.inboundPort,
    outbound: settings.outboundPort,
    'agent health': settings.agentHealthPort,
    'agent etcd': settings.agentEtcdPort,
    'APISIX status': settings.apisixStatusPort,
  };
  const seen = new Map<number, string>();
  for (const [what, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`the ${what} port ${port} is not 1-65535`);
    const other = seen.get(port);
    if (other !== undefined) problems.push(`the ${what} port and the ${other} port are both ${port}`);
    seen.set(port, what);
  }
  for (const [what, id] of Object.entries({ 'proxy UID': settings.proxyUid, 'proxy GID': settings.proxyGid, 'APISIX UID': settings.apisixUid })) {
    if (!Number.isInteger(id) || id <= 0) problems.push(`the ${what} ${id} must be a positive integer (0 is root, whose traffic must not bypass interception)`);
  }
  if (!Number.isInteger(settings.tokenExpirationSeconds) || settings.tokenExpirationSeconds < 600) {
    problems.push(`token expiration ${settings.tokenExpirationSeconds}s is below the 600s Kubernetes accepts`);
  }
  if (problems.length > 0) throw new InjectionSettingsError(problems);
  return settings;
}
