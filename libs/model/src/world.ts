/**
 * WorldState: everything translate reads, resolved and immutable. Maps are keyed by `namespace/name`
 * (Namespaces by `name`; EndpointSlices by `namespace/<service name>`). Each view keeps only the fields translate
 * reads, with Kubernetes defaults already applied, so translate never sees a half-formed object.
 */

/** Default DNS domain of the cluster (`<svc>.<ns>.svc.<clusterDomain>`). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The `controllerName` Weft writes in route status parents. */
export const WEFT_CONTROLLER_NAME = 'weft.dev/mesh-controller';
/** Label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** API group and version of Weft's own CRDs. */
export const WEFT_MESH_API_VERSION = 'mesh.weft.dev/v1alpha1';

export type Labels = Readonly<Record<string, string>>;

export interface ObjectMetaView {
  readonly namespace: string;
  readonly name: string;
  /** `metadata.generation`; 0 when the object has none (e.g. hand-written manifests). */
  readonly generation: number;
  /** RFC 3339 `metadata.creationTimestamp`, or '' if unknown. Route precedence ties are broken by age. */
  readonly creationTimestamp: string;
  readonly labels: Labels;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type IpFamily = 'IPv4' | 'IPv6';
export type TransportProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortView {
  readonly name: string;
  readonly port: number;
  /** Number, port name (resolved through Pod container ports), or the port itself when unset. */
  readonly targetPort: number | string;
  readonly protocol: TransportProtocol;
  readonly appProtocol?: string;
}

export interface ServiceView {
  readonly metadata: ObjectMetaView;
  readonly type: ServiceType;
  /** `spec.clusterIPs` (falls back to `[clusterIP]`); empty for headless and ExternalName Services. */
  readonly clusterIPs: readonly string[];
  readonly headless: boolean;
  readonly ipFamilies: readonly IpFamily[];
  readonly externalName?: string;
  /** `spec.selector`; undefined when the Service has none (endpoints managed by hand). */
  readonly selector?: Labels;
  readonly ports: readonly ServicePortView[];
}

export type EndpointAddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointView {
  readonly addresses: readonly string[];
  /** Conditions with the API defaults: ready unset → true; serving unset → ready; terminating unset → false. */
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** `namespace/name` of the Pod behind it, if the slice says. */
  readonly podKey?: string;
}

export interface EndpointPortView {
  readonly name: string;
  readonly port: number;
  readonly protocol: TransportProtocol;
  readonly appProtocol?: string;
}

export interface EndpointSliceView {
  readonly metadata: ObjectMetaView;
  readonly serviceName: string;
  readonly addressType: EndpointAddressType;
  readonly endpoints: readonly EndpointView[];
  readonly ports: readonly EndpointPortView[];
}

export interface ContainerPortView {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: TransportProtocol;
}

export interface PodView {
  readonly metadata: ObjectMetaView;
  readonly serviceAccountName: string;
  readonly podIPs: readonly string[];
  /** Ports of all containers (and restartable init containers), in declaration order. */
  readonly containerPorts: readonly ContainerPortView[];
  readonly phase: string;
}

export interface NamespaceView {
  readonly name: string;
  readonly labels: Labels;
}

/** A `parentRef` as written, with the defaults of the spec applied (group `gateway.networking.k8s.io`, kind `Gateway`). */
export interface ParentRefView {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** A backendRef or filter target as written; group '' and kind `Service` by default. */
export interface BackendObjectRefView {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly port?: number;
}

export interface HeaderMatchView {
  readonly type: string;
  readonly name: string;
  readonly value: string;
}

export type QueryParamMatchView = HeaderMatchView;

export interface HttpPathMatchView {
  readonly type: string;
  readonly value: string;
}

export interface HttpRouteMatchView {
  readonly path?: HttpPathMatchView;
  readonly headers: readonly HeaderMatchView[];
  readonly queryParams: readonly QueryParamMatchView[];
  readonly method?: string;
}

export interface HeaderModifierView {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface PathModifierView {
  readonly type: string;
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
}

/**
 * A route filter, kept close to the API so each handler reads its own field. Unknown filter types survive as
 * `type` with no payload, so translate can report them.
 */
export interface RouteFilterView {
  readonly type: string;
  readonly requestHeaderModifier?: HeaderModifierView;
  readonly responseHeaderModifier?: HeaderModifierView;
  readonly requestRedirect?: {
    readonly scheme?: string;
    readonly hostname?: string;
    readonly path?: PathModifierView;
    readonly port?: number;
    readonly statusCode?: number;
  };
  readonly urlRewrite?: { readonly hostname?: string; readonly path?: PathModifierView };
  readonly requestMirror?: {
    readonly backendRef: BackendObjectRefView;
    readonly percent?: number;
    readonly fraction?: { readonly numerator: number; readonly denominator: number };
  };
  readonly extensionRef?: { readonly group: string; readonly kind: string; readonly name: string };
}

export interface BackendRefView extends BackendObjectRefView {
  /** Default 1. */
  readonly weight: number;
  readonly filters: readonly RouteFilterView[];
}

export interface HttpRouteRuleView {
  readonly name?: string;
  readonly matches: readonly HttpRouteMatchView[];
  readonly filters: readonly RouteFilterView[];
  readonly backendRefs: readonly BackendRefView[];
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  readonly retry?: { readonly codes: readonly number[]; readonly attempts?: number; readonly backoff?: string };
}

export interface HttpRouteView {
  readonly metadata: ObjectMetaView;
  readonly parentRefs: readonly ParentRefView[];
  readonly hostnames: readonly string[];
  readonly rules: readonly HttpRouteRuleView[];
}

export interface GrpcMethodMatchView {
  readonly type: string;
  readonly service?: string;
  readonly method?: string;
}

export interface GrpcRouteMatchView {
  readonly method?: GrpcMethodMatchView;
  readonly headers: readonly HeaderMatchView[];
}

export interface GrpcRouteRuleView {
  readonly name?: string;
  readonly matches: readonly GrpcRouteMatchView[];
  readonly filters: readonly RouteFilterView[];
  readonly backendRefs: readonly BackendRefView[];
}

export interface GrpcRouteView {
  readonly metadata: ObjectMetaView;
  readonly parentRefs: readonly ParentRefView[];
  readonly hostnames: readonly string[];
  readonly rules: readonly GrpcRouteRuleView[];
}

export interface ReferenceGrantView {
  readonly metadata: ObjectMetaView;
  readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
}

/** A path condition of an authorization rule, as written (`type` Exact or PathPrefix; others are reported by translate). */
export interface AuthorizationPathView {
  readonly type: string;
  readonly value: string;
}

/** `rules[].from`: who may call. A request comes from a rule's source when any principal or namespace matches. */
export interface AuthorizationSourceView {
  /** SPIFFE IDs, exact or with one trailing `*` (prefix), as written. */
  readonly principals: readonly string[];
  readonly namespaces: readonly string[];
}

/** `rules[].to`: what may be called; an empty list puts no condition on its field. */
export interface AuthorizationOperationView {
  /** Ports the workload listens on (the inbound destination port). */
  readonly ports: readonly number[];
  readonly paths: readonly AuthorizationPathView[];
  /** HTTP methods as written. */
  readonly methods: readonly string[];
}

export interface AuthorizationRuleView {
  readonly from: AuthorizationSourceView;
  readonly to?: AuthorizationOperationView;
}

/**
 * A `MeshAuthorization` (mesh.weft.dev/v1alpha1): ALLOW rules for the workloads of its namespace that its selector
 * picks. A workload any policy selects answers 403 to every inbound request no rule of those policies allows.
 * Values are kept as written; translate validates them and reports problems in the policy's status.
 */
export interface MeshAuthorizationView {
  readonly metadata: ObjectMetaView;
  /** `spec.selector.matchLabels`; empty selects every workload of the namespace. */
  readonly matchLabels: Labels;
  readonly rules: readonly AuthorizationRuleView[];
}

/** Everything translate needs, resolved. Build it with `buildWorldState` (@weft/k8s) or by hand in tests. */
export interface WorldState {
  readonly clusterDomain: string;
  readonly controllerName: string;
  readonly services: ReadonlyMap<string, ServiceView>;
  /** Keyed by `namespace/<service name>`; each list sorted by slice name. */
  readonly endpointSlices: ReadonlyMap<string, readonly EndpointSliceView[]>;
  readonly pods: ReadonlyMap<string, PodView>;
  /** Keyed by namespace name. */
  readonly namespaces: ReadonlyMap<string, NamespaceView>;
  readonly httpRoutes: ReadonlyMap<string, HttpRouteView>;
  readonly grpcRoutes: ReadonlyMap<string, GrpcRouteView>;
  readonly referenceGrants: ReadonlyMap<string, ReferenceGrantView>;
  readonly meshAuthorizations: ReadonlyMap<string, MeshAuthorizationView>;
}

/** `namespace/name`: the key of every WorldState map. */
export function worldKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function emptyWorldState(options: { clusterDomain?: string; controllerName?: string } = {}): WorldState {
  return {
    clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    controllerName: options.controllerName ?? WEFT_CONTROLLER_NAME,
    services: new Map(),
    endpointSlices: new Map(),
    pods: new Map(),
    namespaces: new Map(),
    httpRoutes: new Map(),
    grpcRoutes: new Map(),
    referenceGrants: new Map(),
    meshAuthorizations: new Map(),
  };
}
