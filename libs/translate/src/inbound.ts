import type { ApisixRoute, ApisixScheme, ApisixUpstream, PodView, ServiceView, TranslateDiagnostic } from '@weft/model';
import { portProtocol } from './app-protocol.js';
import { byId, resourceId } from './ids.js';
import { httpPorts } from './services.js';

/** A port the app listens on that a Service sends traffic to. */
export interface InboundPort {
  readonly port: number;
  readonly scheme: ApisixScheme;
  readonly websocket: boolean;
}

export interface InboundResources {
  /** `port/scheme,…`: equal signatures mean equal inbound config. */
  readonly signature: string;
  /** The ports the routes serve, ascending. */
  readonly ports: readonly InboundPort[];
  readonly routes: readonly ApisixRoute[];
  readonly upstreams: readonly ApisixUpstream[];
}

function selects(service: ServiceView, pod: PodView): boolean {
  const selector = service.selector;
  if (selector === undefined || service.type === 'ExternalName') return false;
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  const labels = pod.metadata.labels;
  return keys.every((k) => labels[k] === selector[k]);
}

/** Ports of `pod` that the Services of its namespace target (named targetPorts resolved through its containers). */
export function inboundPortsOf(pod: PodView, services: readonly ServiceView[], diagnostics: TranslateDiagnostic[]): InboundPort[] {
  const byPort = new Map<number, InboundPort>();
  for (const service of services) {
    if (!selects(service, pod)) continue;
    for (const sp of httpPorts(service)) {
      let port: number | undefined;
      if (typeof sp.targetPort === 'number') port = sp.targetPort;
      else {
        port = pod.containerPorts.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
        if (port === undefined) {
          diagnostics.push({
            severity: 'warning',
            object: `Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
            message: `Service ${service.metadata.name} port ${sp.port}: no container port named "${sp.targetPort}"`,
          });
          continue;
        }
      }
      const protocol = portProtocol(sp.appProtocol, sp.name);
      const existing = byPort.get(port);
      // Two Services may target one container port; gRPC (HTTP/2) wins over HTTP/1.1, as it is the stricter need.
      if (existing === undefined || (existing.scheme !== 'grpc' && protocol.scheme === 'grpc')) {
        byPort.set(port, { port, scheme: protocol.scheme, websocket: protocol.websocket || (existing?.websocket ?? false) });
      }
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

export function inboundSignature(ports: readonly InboundPort[]): string {
  return ports.map((p) => `${p.port}/${p.scheme}${p.websocket ? '+ws' : ''}`).join(',');
}

/** Inbound routes: mTLS traffic from peers (`scheme == https`) for `server_port` → the app on loopback. */
export function buildInbound(ports: readonly InboundPort[]): InboundResources {
  const routes: ApisixRoute[] = [];
  const upstreams: ApisixUpstream[] = [];
  for (const p of ports) {
    const id = resourceId('in', p.port);
    upstreams.push({ id, name: `inbound :${p.port}`, type: 'roundrobin', scheme: p.scheme, pass_host: 'pass', nodes: [{ host: '127.0.0.1', port: p.port, weight: 1 }] });
    routes.push({
      id,
      name: `inbound :${p.port}`,
      uri: '/*',
      // nginx variables are strings.
      vars: [
        ['scheme', '==', 'https'],
        ['server_port', '==', String(p.port)],
      ],
      upstream_id: id,
      ...(p.websocket ? { enable_websocket: true } : {}),
    });
  }
  return { signature: inboundSignature(ports), ports, routes: routes.sort(byId), upstreams: upstreams.sort(byId) };
}
