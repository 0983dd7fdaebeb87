import { MESH_PORTS, MTLS_MODE_LABEL } from '@weft/model';
import type { ApisixRoute, ApisixScheme, ApisixUpstream, MtlsMode, NamespaceView, PodView, ServiceView, TranslateDiagnostic } from '@weft/model';
import { portProtocol } from './app-protocol.js';
import { byId, resourceId } from './ids.js';
import { httpPorts } from './services.js';

/** A port the app listens on that a Service sends traffic to. */
export interface InboundPort {
  readonly port: number;
  /** The Service ports that target it (ascending): plaintext clients name those in their Host header. */
  readonly servicePorts: readonly number[];
  readonly scheme: ApisixScheme;
  readonly websocket: boolean;
}

export interface InboundResources {
  /** `mode:port/scheme,…`: equal signatures mean equal inbound config. */
  readonly signature: string;
  readonly mode: MtlsMode;
  /** The ports the routes serve, ascending. */
  readonly ports: readonly InboundPort[];
  /** Each route's app port (MeshAuthorization rules may name ports). */
  readonly routePorts: ReadonlyMap<string, number>;
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
      const servicePorts = existing === undefined ? [sp.port] : [...new Set([...existing.servicePorts, sp.port])].sort((a, b) => a - b);
      // Two Services may target one container port; gRPC (HTTP/2) wins over HTTP/1.1, as it is the stricter need.
      const scheme = existing === undefined || (existing.scheme !== 'grpc' && protocol.scheme === 'grpc') ? protocol.scheme : existing.scheme;
      byPort.set(port, { port, servicePorts, scheme, websocket: protocol.websocket || (existing?.websocket ?? false) });
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

export function inboundSignature(ports: readonly InboundPort[], mode: MtlsMode): string {
  return `${mode}:${ports.map((p) => `${p.port}<${p.servicePorts.join('+')}/${p.scheme}${p.websocket ? '+ws' : ''}`).join(',')}`;
}

/** The pod's label `weft.dev/mtls-mode`, else its namespace's, else permissive (as Istio's default). */
export function mtlsModeOf(pod: PodView, namespace: NamespaceView | undefined): MtlsMode {
  const chosen = pod.metadata.labels[MTLS_MODE_LABEL] ?? namespace?.labels[MTLS_MODE_LABEL];
  return chosen === 'strict' ? 'strict' : 'permissive';
}

/**
 * A regex on the plaintext Host header choosing the app port: a Service port that targets it or the port itself, and
 * no port at all when a Service port 80 targets it (Host omits the scheme's default port).
 */
function plainHostPattern(p: InboundPort): string {
  const ports = [...new Set([...p.servicePorts, p.port])].sort((a, b) => a - b).join('|');
  return p.servicePorts.includes(80) ? `^[^:]*(:(${ports}))?$` : `:(${ports})$`;
}

/** A regex on nginx's `$host` (lowercase, no port) matching the mesh names of one target port (docs/mesh-mtls.md). */
function meshNamePattern(port: number): string {
  return `^${String(port)}\\.`;
}

/**
 * Inbound config (docs/mesh-mtls.md). Peers' mTLS arrives on MESH_PORTS.inboundTls with the mesh name as SNI and
 * Host, whose first label is the app port (after iptables' REDIRECT the socket no longer knows it). Plaintext from
 * outside the mesh arrives on MESH_PORTS.inboundPlain: PERMISSIVE serves it (by the Host header's port, or to the
 * only port), STRICT answers 403.
 */
export function buildInbound(ports: readonly InboundPort[], mode: MtlsMode): InboundResources {
  const routes: ApisixRoute[] = [];
  const upstreams: ApisixUpstream[] = [];
  const routePorts = new Map<string, number>();
  for (const p of ports) {
    const id = resourceId('in', p.port);
    upstreams.push({ id, name: `inbound :${p.port}`, type: 'roundrobin', scheme: p.scheme, pass_host: 'pass', nodes: [{ host: '127.0.0.1', port: p.port, weight: 1 }] });
    routePorts.set(id, p.port);
    routes.push({
      id,
      name: `inbound :${p.port}`,
      uri: '/*',
      // nginx variables are strings.
      vars: [
        ['server_port', '==', String(MESH_PORTS.inboundTls)],
        ['host', '~~', meshNamePattern(p.port)],
      ],
      upstream_id: id,
      ...(p.websocket ? { enable_websocket: true } : {}),
    });
    if (mode === 'permissive') {
      const plainId = resourceId('in', 'plain', p.port);
      routePorts.set(plainId, p.port);
      routes.push({
        id: plainId,
        name: `inbound plaintext :${p.port}`,
        uri: '/*',
        // The only port takes every plaintext request; with several, the Host header's port picks one (after
        // iptables' REDIRECT nothing else tells which port the client dialled).
        vars: [['server_port', '==', String(MESH_PORTS.inboundPlain)], ...(ports.length === 1 ? [] : [['http_host', '~~', plainHostPattern(p)]])],
        upstream_id: id,
        ...(p.websocket ? { enable_websocket: true } : {}),
      });
    }
  }
  if (mode === 'strict') {
    routes.push({
      id: resourceId('in', 'plain'),
      name: 'inbound plaintext refused (STRICT mTLS)',
      uri: '/*',
      vars: [['server_port', '==', String(MESH_PORTS.inboundPlain)]],
      plugins: { 'fault-injection': { abort: { http_status: 403, body: 'mTLS required: this workload accepts only mesh peers (weft.dev/mtls-mode: strict)\n' } } },
    });
  }
  return { signature: inboundSignature(ports, mode), mode, ports, routePorts, routes: routes.sort(byId), upstreams: upstreams.sort(byId) };
}
