import { MESH_SSL_IDS, MESH_TLS_LABEL, MESH_TLS_LABEL_VALUE, meshServerName } from '@weft/model';
import type { ApisixRoute, ApisixScheme, ApisixUpstream, EndpointSliceView, PodView, ServicePortView, ServiceView } from '@weft/model';
import { declaresTls, portProtocol } from './app-protocol.js';
import { nodesFor } from './endpoints.js';
import { serviceHosts, shortHostLabels } from './hosts.js';
import { resourceId } from './ids.js';

/** Outbound traffic from the app reaches the sidecar in plain HTTP; inbound arrives over mTLS (see MeshConfig). */
export const OUTBOUND_VAR = ['scheme', '==', 'http'] as const;

/** What one Service contributes to every scope: an upstream and a default route per HTTP-capable port. */
export interface ServiceBundle {
  readonly upstreams: readonly ApisixUpstream[];
  /** Default route per service port, used while no route attaches to that port. */
  readonly defaultRoutes: ReadonlyMap<number, ApisixRoute>;
  /** The same default routes as one-element lists, kept so unchanged slots keep their identity. */
  readonly defaultGroups: ReadonlyMap<number, readonly ApisixRoute[]>;
  /** All default routes, for a Service no route attaches to. */
  readonly defaultAll: readonly ApisixRoute[];
}

export function upstreamId(namespace: string, name: string, port: number): string {
  return resourceId('u', namespace, name, port);
}

/** Ports Weft proxies as HTTP: TCP ports (UDP/SCTP pass the sidecar by). */
export function httpPorts(service: ServiceView): ServicePortView[] {
  return service.ports.filter((p) => p.protocol === 'TCP');
}

function externalNamePorts(service: ServiceView): ServicePortView[] {
  const ports = httpPorts(service);
  return ports.length > 0 ? ports : [{ name: '', port: 80, targetPort: 80, protocol: 'TCP' }];
}

function bundlePorts(service: ServiceView): ServicePortView[] {
  return service.type === 'ExternalName' && service.externalName !== undefined ? externalNamePorts(service) : httpPorts(service);
}

/**
 * Whether every endpoint of the Service is a pod with the sidecar (MESH_TLS_LABEL, set by the injector): only then
 * do clients send mTLS. One endpoint outside the mesh (a rollout in progress, an opted-out pod) keeps the Service on
 * plain HTTP, which the meshed pods' PERMISSIVE inbound accepts (Istio's auto-mTLS decides per endpoint; an APISIX
 * upstream has one scheme).
 */
export function isMeshed(slices: readonly EndpointSliceView[], pods: ReadonlyMap<string, PodView>): boolean {
  let any = false;
  for (const slice of slices) {
    for (const endpoint of slice.endpoints) {
      const pod = endpoint.podKey === undefined ? undefined : pods.get(endpoint.podKey);
      if (pod?.metadata.labels[MESH_TLS_LABEL] !== MESH_TLS_LABEL_VALUE) return false;
      any = true;
    }
  }
  return any;
}

/** The scheme of a meshed upstream: the sidecar originates TLS for HTTP and gRPC alike. */
export function securedScheme(scheme: ApisixScheme): ApisixScheme {
  return scheme === 'http' ? 'https' : scheme === 'grpc' ? 'grpcs' : scheme;
}

/**
 * mTLS to the server sidecar (docs/mesh-mtls.md): SNI and Host = the mesh name of the endpoints' container port,
 * which nginx verifies in the server's certificate (proxy_ssl_verify); the client certificate is the agent's own
 * ssl object. Undefined when the endpoints disagree on the container port (no one name fits them all).
 */
function meshTls(service: ServiceView, nodes: readonly { readonly port?: number }[], clusterDomain: string): Partial<ApisixUpstream> | undefined {
  const port = nodes[0]?.port;
  if (port === undefined || nodes.some((n) => n.port !== port)) return undefined;
  return {
    pass_host: 'rewrite',
    upstream_host: meshServerName(service.metadata.name, service.metadata.namespace, port, clusterDomain),
    tls: { client_cert_id: MESH_SSL_IDS.outbound },
  };
}

/** Upstreams of a Service: they change with its endpoints (and whether their pods are meshed). */
export function buildServiceUpstreams(service: ServiceView, slices: readonly EndpointSliceView[], meshed: boolean, clusterDomain: string): ApisixUpstream[] {
  const { namespace, name } = service.metadata;
  const external = service.type === 'ExternalName' && service.externalName !== undefined;
  return bundlePorts(service).map((port): ApisixUpstream => {
    const scheme = external && declaresTls(port.appProtocol, port.name) ? 'https' : portProtocol(port.appProtocol, port.name).scheme;
    const base = { id: upstreamId(namespace, name, port.port), name: `${namespace}/${name}:${port.port}`, type: 'roundrobin' as const };
    // An ExternalName is reached by DNS name and expects its own name as Host (and, over TLS, as SNI).
    if (external) return { ...base, scheme, nodes: [{ host: service.externalName ?? '', port: port.port, weight: 1 }], pass_host: 'node' };
    const nodes = nodesFor(service, port, slices);
    const tls = meshed ? meshTls(service, nodes, clusterDomain) : undefined;
    return tls === undefined ? { ...base, scheme, nodes, pass_host: 'pass' } : { ...base, scheme: securedScheme(scheme), nodes, ...tls };
  });
}

/** Default routes of a Service: they depend on the Service alone, so endpoint churn leaves them untouched. */
export function buildDefaultRoutes(service: ServiceView, clusterDomain: string): Map<number, ApisixRoute> {
  const { namespace, name } = service.metadata;
  const routes = new Map<number, ApisixRoute>();
  for (const port of bundlePorts(service)) {
    const protocol = portProtocol(port.appProtocol, port.name);
    routes.set(port.port, {
      id: resourceId('d', namespace, name, port.port),
      name: `${namespace}/${name}:${port.port} default`,
      uri: '/*',
      hosts: serviceHosts(service, port.port, clusterDomain),
      labels: shortHostLabels(service),
      vars: [OUTBOUND_VAR],
      upstream_id: upstreamId(namespace, name, port.port),
      ...(protocol.websocket ? { enable_websocket: true } : {}),
    });
  }
  return routes;
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Service bundles memoised on the identity of the Service view (routes) and of its slices (upstreams). */
export class ServiceBundleCache {
  private readonly routes = new WeakMap<ServiceView, { domain: string } & Omit<ServiceBundle, 'upstreams'>>();
  private readonly bundles = new WeakMap<ServiceView, { slices: readonly EndpointSliceView[]; domain: string; meshed: boolean; bundle: ServiceBundle }>();

  get(service: ServiceView, slices: readonly EndpointSliceView[], clusterDomain: string, pods: ReadonlyMap<string, PodView>): ServiceBundle {
    const hit = this.bundles.get(service);
    const meshed = isMeshed(slices, pods);
    if (hit !== undefined && hit.domain === clusterDomain && hit.meshed === meshed && sameList(hit.slices, slices)) return hit.bundle;
    let routes = this.routes.get(service);
    if (routes?.domain !== clusterDomain) {
      const defaultRoutes = buildDefaultRoutes(service, clusterDomain);
      const defaultGroups = new Map([...defaultRoutes].map(([port, route]) => [port, [route] as const]));
      routes = { domain: clusterDomain, defaultRoutes, defaultGroups, defaultAll: [...defaultRoutes.values()] };
      this.routes.set(service, routes);
    }
    const bundle = {
      upstreams: buildServiceUpstreams(service, slices, meshed, clusterDomain),
      defaultRoutes: routes.defaultRoutes,
      defaultGroups: routes.defaultGroups,
      defaultAll: routes.defaultAll,
    };
    this.bundles.set(service, { slices, domain: clusterDomain, meshed, bundle });
    return bundle;
  }
}

export { sameList };
