import { MESH_TLS_LABEL, MESH_TLS_LABEL_VALUE } from '@weft/model';
import { ProbeAnnotationError, rewriteAppProbes } from './app-probes.js';
import { addToMap, appendToList, prependToList } from './json-patch.js';
import type { JsonPatchAdd } from './json-patch.js';
import {
  CA_ROOTS_ANNOTATION,
  CONFIG_STORE_ANNOTATION,
  DEFAULT_CONTAINER_ANNOTATION,
  FOREIGN_SIDECARS,
  INJECTED_ANNOTATION,
  NATS_CA_ANNOTATION,
  SKIPPED_ANNOTATION,
  STATUS_ANNOTATION,
} from './names.js';
import { decideInjection } from './policy.js';
import type { PodLike } from './pod-types.js';
import type { ConfigStore, InjectionSettings } from './settings.js';
import { sidecarContainers } from './sidecar-containers.js';
import { interceptionArgs, TrafficAnnotationError } from './traffic.js';

/** What admission knows besides the pod: its namespace (the request's, when the pod has none) and that one's labels. */
export interface PodContext {
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** The CA roots (PEM) the agent verifies the certificate service with; needed when settings.caAddress is set. */
  readonly caRootsPem?: string;
  /** The CA (PEM) of NATS's server certificate; needed when settings.natsCaFile is set. */
  readonly natsCaPem?: string;
}

/** `weft.dev/injected`: which injector did it, with which images and store. */
export interface InjectedRecord {
  readonly version: string;
  readonly agentImage: string;
  readonly apisixImage: string;
  readonly configStore: ConfigStore;
  readonly nativeSidecars: boolean;
}

/** `weft.dev/status`: every name added, so a reader (or an uninjector) knows exactly what is Weft's. */
export interface InjectionStatus {
  readonly initContainers: readonly string[];
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
}

/**
 * The outcome of admitting one pod. Only `injected` and `host-network` change the pod; `refused` means the API
 * server must reject it (allowed: false) with `message`.
 */
export type InjectionOutcome =
  | { readonly result: 'injected'; readonly patch: readonly JsonPatchAdd[]; readonly injected: InjectedRecord; readonly status: InjectionStatus; readonly because: string }
  | { readonly result: 'host-network'; readonly patch: readonly JsonPatchAdd[]; readonly reason: string }
  | { readonly result: 'not-selected'; readonly reason: string }
  | { readonly result: 'already-injected'; readonly reason: string }
  | { readonly result: 'refused'; readonly message: string };

const HOST_NETWORK_REASON = 'the pod uses the host network: interception would redirect the node’s own traffic, so no sidecar was added';

/** `namespace/name`, or `namespace/generateName*` for a pod that gets its name from the API server. */
export function describePod(pod: PodLike, namespace: string): string {
  const name = pod.metadata?.name ?? (pod.metadata?.generateName === undefined ? '<unnamed>' : `${pod.metadata.generateName}*`);
  return `${namespace}/${name}`;
}

/**
 * Decides and builds the sidecar injection of one pod: a pure function of the pod, its namespace's labels and the
 * settings. Idempotent: a pod carrying `weft.dev/status` is returned unchanged. The JSONPatch adds: the injected
 * containers first among the init containers (native sidecars), the volumes at the end, the annotations and the
 * mesh TLS label; the only fields it replaces are the app containers' httpGet/tcpSocket/grpc probes, pointed at the
 * agent (see app-probes.ts; opt out with `weft.dev/rewrite-app-probes: "false"`).
 */
export function mutatePod(pod: PodLike, context: PodContext, settings: InjectionSettings): InjectionOutcome {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  const who = describePod(pod, context.namespace);
  if (annotations[STATUS_ANNOTATION] !== undefined) {
    return { result: 'already-injected', reason: `${who} already has ${STATUS_ANNOTATION}` };
  }
  const decision = decideInjection(context.namespace, context.namespaceLabels, labels, annotations);
  if (decision.kind === 'refuse') return { result: 'refused', message: `${who}: ${decision.message}` };
  if (decision.kind === 'skip') return { result: 'not-selected', reason: decision.because };
  if (pod.spec?.hostNetwork === true) {
    return {
      result: 'host-network',
      reason: HOST_NETWORK_REASON,
      patch: addToMap('/metadata/annotations', pod.metadata?.annotations ?? undefined, { [SKIPPED_ANNOTATION]: HOST_NETWORK_REASON }),
    };
  }

  const store = annotations[CONFIG_STORE_ANNOTATION] ?? settings.defaultConfigStore;
  if (store !== 'etcd' && store !== 'yaml') {
    return { result: 'refused', message: `${who}: annotation ${CONFIG_STORE_ANNOTATION}="${store}" must be "etcd" or "yaml"` };
  }
  let args: string[];
  let probes: ReturnType<typeof rewriteAppProbes>;
  try {
    args = interceptionArgs(settings, annotations);
    probes = rewriteAppProbes(pod.spec?.containers ?? [], annotations, settings.agentHealthPort);
  } catch (err) {
    if (err instanceof TrafficAnnotationError || err instanceof ProbeAnnotationError) return { result: 'refused', message: `${who}: ${err.message}` };
    throw err;
  }
  const caRoots = context.caRootsPem ?? '';
  if (settings.caAddress !== '' && !caRoots.includes('-----BEGIN CERTIFICATE-----')) {
    // Not the pod's fault, but injecting an agent that cannot verify the CA would only fail later, in the pod.
    throw new Error('the CA roots are not known, so the agent could not verify the certificate service');
  }
  const natsCa = context.natsCaPem ?? '';
  if (settings.natsCaFile !== '' && !natsCa.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`the NATS CA (${settings.natsCaFile}) could not be read, so the agent could not verify NATS`);
  }
  const appProbers = Object.keys(probes.probers).length === 0 ? undefined : JSON.stringify(probes.probers);
  const sidecars = sidecarContainers(settings, store, args, appProbers === undefined ? {} : { appProbers });
  const status: InjectionStatus = {
    initContainers: sidecars.initContainers.map((c) => c.name),
    containers: sidecars.containers.map((c) => c.name),
    volumes: sidecars.volumes.map((v) => v.name),
  };
  const clash = nameClash(pod, status);
  if (clash !== undefined) return { result: 'refused', message: `${who}: ${clash}` };

  const injected: InjectedRecord = {
    version: settings.version,
    agentImage: settings.agentImage,
    apisixImage: settings.apisixImage,
    configStore: store,
    nativeSidecars: settings.nativeSidecars,
  };
  const appContainer = pod.spec?.containers?.[0]?.name;
  const added: Record<string, string> = {
    [INJECTED_ANNOTATION]: JSON.stringify(injected),
    [STATUS_ANNOTATION]: JSON.stringify(status),
    ...(settings.caAddress === '' ? {} : { [CA_ROOTS_ANNOTATION]: caRoots }),
    ...(settings.natsCaFile === '' ? {} : { [NATS_CA_ANNOTATION]: natsCa }),
    // Without it kubectl logs/exec would pick the first container, a sidecar when they are plain containers.
    ...(annotations[DEFAULT_CONTAINER_ANNOTATION] === undefined && appContainer !== undefined ? { [DEFAULT_CONTAINER_ANNOTATION]: appContainer } : {}),
  };
  const patch = [
    ...addToMap('/metadata/annotations', pod.metadata?.annotations ?? undefined, added),
    // Clients send mTLS to a Service only when every endpoint's pod carries it.
    ...addToMap('/metadata/labels', pod.metadata?.labels ?? undefined, { [MESH_TLS_LABEL]: MESH_TLS_LABEL_VALUE }),
    // Before the sidecars are put in front of the app containers: the probe paths use the pod's own indexes.
    ...probes.patch,
    ...prependToList('/spec/initContainers', pod.spec?.initContainers ?? undefined, sidecars.initContainers),
    ...prependToList('/spec/containers', pod.spec?.containers ?? undefined, sidecars.containers),
    ...appendToList('/spec/volumes', pod.spec?.volumes ?? undefined, sidecars.volumes),
  ];
  return { result: 'injected', patch, injected, status, because: decision.because };
}

/** A container or volume that already bears one of the injected names, or another mesh's sidecar. */
function nameClash(pod: PodLike, status: InjectionStatus): string | undefined {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const foreign = containers.find((name) => (FOREIGN_SIDECARS as readonly string[]).includes(name));
  if (foreign !== undefined) return `it already has a container "${foreign}" of another service mesh; a pod cannot get two sidecars`;
  const ours = new Set([...status.initContainers, ...status.containers]);
  const taken = containers.find((name) => ours.has(name));
  if (taken !== undefined) {
    return `it already has a container named "${taken}", which Weft's injector adds, but it was not injected by Weft (no ${STATUS_ANNOTATION} annotation); rename the container`;
  }
  const volumes = new Set(status.volumes);
  const volume = (pod.spec?.volumes ?? []).find((v) => volumes.has(v.name));
  if (volume !== undefined) {
    return `it already has a volume named "${volume.name}", which Weft's injector adds, but it was not injected by Weft (no ${STATUS_ANNOTATION} annotation); rename the volume`;
  }
  return undefined;
}
