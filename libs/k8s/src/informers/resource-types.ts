/** A kind Weft watches, with the REST path of its cluster-wide collection. */
export interface ResourceType {
  readonly kind: string;
  readonly apiVersion: string;
  /** Lowercase plural of the REST path. */
  readonly plural: string;
  readonly namespaced: boolean;
  /**
   * A kind whose CRD may be absent (Gateway API, Weft's own). Its informer counts as synced and empty while the API
   * server does not know it, and keeps checking, so installing the CRDs later needs no restart.
   */
  readonly optional: boolean;
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const group = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  return namespace === undefined ? `${group}/${type.plural}` : `${group}/namespaces/${namespace}/${type.plural}`;
}

/** Weft's authorization by SPIFFE identity (deploy/crds/mesh.weft.dev_meshauthorizations.yaml). */
export const MESH_AUTHORIZATION: ResourceType = {
  kind: 'MeshAuthorization',
  apiVersion: 'mesh.weft.dev/v1alpha1',
  plural: 'meshauthorizations',
  namespaced: true,
  optional: true,
};

/** Everything the control plane watches to build its WorldState. */
export const WORLD_RESOURCE_TYPES: readonly ResourceType[] = [
  { kind: 'Namespace', apiVersion: 'v1', plural: 'namespaces', namespaced: false, optional: false },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true, optional: false },
  { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true, optional: false },
  { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true, optional: false },
  { kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes', namespaced: true, optional: true },
  { kind: 'GRPCRoute', apiVersion: 'gateway.networking.k8s.io/v1', plural: 'grpcroutes', namespaced: true, optional: true },
  { kind: 'ReferenceGrant', apiVersion: 'gateway.networking.k8s.io/v1beta1', plural: 'referencegrants', namespaced: true, optional: true },
  MESH_AUTHORIZATION,
];
