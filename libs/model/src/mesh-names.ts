// The names and ports the mesh's data path agrees on: translate writes them into routes and upstreams, the CA grants
// them in certificates, the agent writes the ssl objects they refer to, the injector configures APISIX's listeners.
// docs/mesh-mtls.md explains the scheme.

/**
 * A Service's mesh name for one target (container) port, `<targetPort>.<service>.<namespace>.svc.<clusterDomain>`:
 * the SNI and Host the client sidecar sends, the DNS SAN the server's SVID carries (granted by the CA only to pods
 * the Service selects, for the port the Service targets on that pod), and the host the server's inbound route
 * matches by its first label. Never resolved through DNS.
 */
export function meshServerName(service: string, namespace: string, targetPort: number, clusterDomain: string): string {
  return `${String(targetPort)}.${service}.${namespace}.svc.${clusterDomain}`;
}

/** The ssl objects the agent writes beside a snapshot's resources (its SVID; the key never leaves the pod). */
export const MESH_SSL_IDS = {
  /** type server: snis = the pod's mesh names, client.ca = the trust bundle. */
  inbound: 'weft-inbound',
  /** type client: referenced by meshed upstreams' `tls.client_cert_id`. */
  outbound: 'weft-outbound',
} as const;

/** Ids of ssl objects a snapshot may reference without carrying them. */
export function isAgentProvidedSslId(id: string): boolean {
  return id === MESH_SSL_IDS.inbound || id === MESH_SSL_IDS.outbound;
}

/**
 * Pod label the injector sets on pods that have the sidecar (like Istio's `security.istio.io/tlsMode: istio`):
 * clients send mTLS to a Service only when every endpoint's pod carries it.
 */
export const MESH_TLS_LABEL = 'security.weft.dev/tlsMode';
export const MESH_TLS_LABEL_VALUE = 'weft';

/** Namespace label, overridden by the pod label of the same name: `strict` | `permissive` (default). */
export const MTLS_MODE_LABEL = 'weft.dev/mtls-mode';
export type MtlsMode = 'strict' | 'permissive';

/** The sidecar's listeners (iptables redirects to the first two; the inbound port dispatches to the last two). */
export const MESH_PORTS = {
  /** The app's outbound TCP, plain HTTP (APISIX node_listen). */
  outbound: 15001,
  /** Every inbound connection (nginx stream, ssl_preread: TLS → inboundTls, anything else → inboundPlain). */
  inbound: 15006,
  /** Peers' mTLS (APISIX https listener, PROXY protocol). */
  inboundTls: 15443,
  /** Plaintext from clients outside the mesh (APISIX http listener, PROXY protocol); PERMISSIVE only serves it. */
  inboundPlain: 15080,
} as const;
