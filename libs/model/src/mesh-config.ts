import type { ApisixResources } from './apisix.js';

/**
 * MeshConfig: what translate makes of a WorldState. Plain JSON values only (records with sorted keys, lists
 * sorted), so two equal configs encode to the same bytes.
 *
 * Traffic contract the resources assume (the agent, the injected APISIX config and iptables provide it; the full
 * scheme is docs/mesh-mtls.md):
 * - Outbound: the app's plain HTTP is intercepted into the sidecar (`scheme == http`); routes match the Host
 *   header against the destination Service's host forms; upstreams of meshed Services originate mTLS with the mesh
 *   name as SNI/Host and the agent's client certificate (ssl `weft-outbound`).
 * - Inbound: peers' mTLS arrives on MESH_PORTS.inboundTls with the mesh name, whose first label is the app port;
 *   routes `in.<port>` send to the app on `127.0.0.1:<containerPort>`. Plaintext arrives on MESH_PORTS.inboundPlain
 *   (PERMISSIVE: `in.plain.<port>`; STRICT: `in.plain` answers 403).
 */

/** Why a route parent's condition is what it is (Gateway API v1 reasons). */
export type RouteConditionReason =
  | 'Accepted'
  | 'NoMatchingParent'
  | 'NotAllowedByListeners'
  | 'UnsupportedValue'
  | 'ResolvedRefs'
  | 'BackendNotFound'
  | 'RefNotPermitted'
  | 'InvalidKind'
  | 'UnsupportedProtocol';

export interface RouteCondition {
  readonly type: 'Accepted' | 'ResolvedRefs';
  readonly status: 'True' | 'False';
  readonly reason: RouteConditionReason;
  readonly message: string;
  /** The route's `metadata.generation` this condition was computed from. */
  readonly observedGeneration: number;
}

export interface RouteParentRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly sectionName?: string;
}

export interface RouteParentStatus {
  readonly parentRef: RouteParentRef;
  readonly controllerName: string;
  /** Accepted then ResolvedRefs. */
  readonly conditions: readonly RouteCondition[];
}

/** The `status.parents[]` entries Weft owns for one route (entries of other controllers are left alone). */
export interface RouteStatusResult {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly parents: readonly RouteParentStatus[];
}

/** Why a MeshAuthorization's `Accepted` condition is what it is. */
export type AuthorizationConditionReason = 'Accepted' | 'InvalidSelector' | 'InvalidPrincipal' | 'InvalidNamespace' | 'InvalidRule';

export interface AuthorizationCondition {
  readonly type: 'Accepted';
  readonly status: 'True' | 'False';
  readonly reason: AuthorizationConditionReason;
  readonly message: string;
  /** The policy's `metadata.generation` this condition was computed from. */
  readonly observedGeneration: number;
}

/** `status.conditions` Weft wants on one MeshAuthorization. */
export interface AuthorizationStatusResult {
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly conditions: readonly AuthorizationCondition[];
}

export interface TranslateDiagnostic {
  readonly severity: 'warning' | 'error';
  /** `Kind namespace/name` of the object at fault. */
  readonly object: string;
  readonly message: string;
}

export interface MeshConfig {
  /** APISIX resources per scope id, each list sorted by id. Scopes share resource objects. */
  readonly scopes: Readonly<Record<string, ApisixResources>>;
  /** `namespace/pod` → scope id. */
  readonly workloads: Readonly<Record<string, string>>;
  /** One entry per HTTPRoute/GRPCRoute with at least one Service parentRef, sorted by kind, namespace, name. */
  readonly routeStatuses: readonly RouteStatusResult[];
  /** One entry per MeshAuthorization, sorted by namespace, name. */
  readonly authorizationStatuses: readonly AuthorizationStatusResult[];
  /** Problems in the input that have no route status to carry them (sorted). */
  readonly diagnostics: readonly TranslateDiagnostic[];
}
