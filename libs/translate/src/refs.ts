import type {
  BackendObjectRefView,
  ParentRefView,
  ReferenceGrantView,
  RouteConditionReason,
  ServicePortView,
  ServiceView,
  WorldState,
} from '@weft/model';
import { httpPorts } from './services.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

function isCoreGroup(group: string): boolean {
  return group === '' || group === 'core';
}

/** A GAMMA parentRef: a Service in the core group. Other parents (Gateways…) belong to other controllers. */
export function isServiceParent(ref: ParentRefView): boolean {
  return isCoreGroup(ref.group) && ref.kind === 'Service';
}

export type ParentResolution =
  | { readonly ok: true; readonly service: ServiceView; readonly serviceKey: string; readonly ports: readonly ServicePortView[] }
  | { readonly ok: false; readonly reason: RouteConditionReason; readonly message: string };

export function resolveParent(world: WorldState, routeNamespace: string, ref: ParentRefView): ParentResolution {
  const namespace = ref.namespace ?? routeNamespace;
  const serviceKey = `${namespace}/${ref.name}`;
  const service = world.services.get(serviceKey);
  if (service === undefined) return { ok: false, reason: 'NoMatchingParent', message: `Service ${serviceKey} not found` };
  let ports = httpPorts(service);
  if (ref.port !== undefined) {
    ports = ports.filter((p) => p.port === ref.port);
    if (ports.length === 0) return { ok: false, reason: 'NoMatchingParent', message: `Service ${serviceKey} has no TCP port ${ref.port}` };
  }
  if (ref.sectionName !== undefined) {
    // GAMMA: a sectionName on a Service parent names one of its ports.
    ports = ports.filter((p) => p.name === ref.sectionName);
    if (ports.length === 0) {
      return { ok: false, reason: 'NoMatchingParent', message: `Service ${serviceKey} has no port named "${ref.sectionName}"` };
    }
  }
  if (ports.length === 0) return { ok: false, reason: 'NoMatchingParent', message: `Service ${serviceKey} has no TCP port` };
  return { ok: true, service, serviceKey, ports };
}

export type BackendResolution =
  | { readonly ok: true; readonly service: ServiceView; readonly port: ServicePortView }
  | { readonly ok: false; readonly reason: RouteConditionReason; readonly message: string };

/** ReferenceGrant in the target namespace lets `routeKind`s of `fromNamespace` reach Service `name`. */
export function isGranted(
  grants: Iterable<ReferenceGrantView>,
  routeKind: string,
  fromNamespace: string,
  toNamespace: string,
  name: string,
): boolean {
  for (const grant of grants) {
    if (grant.metadata.namespace !== toNamespace) continue;
    const from = grant.from.some((f) => f.group === GATEWAY_GROUP && f.kind === routeKind && f.namespace === fromNamespace);
    if (!from) continue;
    if (grant.to.some((t) => isCoreGroup(t.group) && t.kind === 'Service' && (t.name === undefined || t.name === name))) return true;
  }
  return false;
}

/** Grants of one namespace, as a list whose element identities say whether anything relevant changed. */
export function grantsIn(world: WorldState, namespace: string): ReferenceGrantView[] {
  const out: ReferenceGrantView[] = [];
  for (const grant of world.referenceGrants.values()) if (grant.metadata.namespace === namespace) out.push(grant);
  return out;
}

export function resolveBackend(
  world: WorldState,
  routeKind: string,
  routeNamespace: string,
  ref: BackendObjectRefView,
): BackendResolution {
  if (!isCoreGroup(ref.group) || ref.kind !== 'Service') {
    return { ok: false, reason: 'InvalidKind', message: `backend ${ref.group === '' ? '' : `${ref.group}/`}${ref.kind} ${ref.name} is not a Service` };
  }
  const namespace = ref.namespace ?? routeNamespace;
  const key = `${namespace}/${ref.name}`;
  if (namespace !== routeNamespace && !isGranted(grantsIn(world, namespace), routeKind, routeNamespace, namespace, ref.name)) {
    return { ok: false, reason: 'RefNotPermitted', message: `no ReferenceGrant in ${namespace} allows ${routeKind}s of ${routeNamespace} to reach Service ${key}` };
  }
  const service = world.services.get(key);
  if (service === undefined) return { ok: false, reason: 'BackendNotFound', message: `Service ${key} not found` };
  if (ref.port === undefined) return { ok: false, reason: 'BackendNotFound', message: `backend Service ${key} needs a port` };
  const port = httpPorts(service).find((p) => p.port === ref.port);
  if (port === undefined) return { ok: false, reason: 'BackendNotFound', message: `Service ${key} has no TCP port ${ref.port}` };
  return { ok: true, service, port };
}
