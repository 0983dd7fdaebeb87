import type { ApisixRoute, ApisixUpstream, EndpointSliceView, ServicePortView, ServiceView } from '@weft/model';
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

/** Upstreams of a Service: they change with its endpoints. */
export function buildServiceUpstreams(service: ServiceView, slices: readonly EndpointSliceView[]): ApisixUpstream[] {
  const { namespace, name } = service.metadata;
  const external = service.type === 'ExternalName' && service.externalName !== undefined;
  return bundlePorts(service).map((port) => ({
    id: upstreamId(namespace, name, port.port),
    name: `${namespace}/${name}:${port.port}`,
    type: 'roundrobin',
    scheme: external && declaresTls(port.appProtocol, port.name) ? 'https' : portProtocol(port.appProtocol, port.name).scheme,
    // An ExternalName is reached by DNS name and expects its own name as Host (and, over TLS, as SNI).
    ...(external
      ? { nodes: [{ host: service.externalName ?? '', port: port.port, weight: 1 }], pass_host: 'node' as const }
      : { nodes: nodesFor(service, port, slices), pass_host: 'pass' as const }),
  }));
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
  private readonly bundles = new WeakMap<ServiceView, { slices: readonly EndpointSliceView[]; domain: string; bundle: ServiceBundle }>();

  get(service: ServiceView, slices: readonly EndpointSliceView[], clusterDomain: string): ServiceBundle {
    const hit = this.bundles.get(service);
    if (hit !== undefined && hit.domain === clusterDomain && sameList(hit.slices, slices)) return hit.bundle;
    let routes = this.routes.get(service);
    if (routes?.domain !== clusterDomain) {
      const defaultRoutes = buildDefaultRoutes(service, clusterDomain);
      const defaultGroups = new Map([...defaultRoutes].map(([port, route]) => [port, [route] as const]));
      routes = { domain: clusterDomain, defaultRoutes, defaultGroups, defaultAll: [...defaultRoutes.values()] };
      this.routes.set(service, routes);
    }
    const bundle = {
      upstreams: buildServiceUpstreams(service, slices),
      defaultRoutes: routes.defaultRoutes,
      defaultGroups: routes.defaultGroups,
      defaultAll: routes.defaultAll,
    };
    this.bundles.set(service, { slices, domain: clusterDomain, bundle });
    return bundle;
  }
}

export { sameList };
