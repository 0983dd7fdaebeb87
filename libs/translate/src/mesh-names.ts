import { meshServerName } from '@weft/model';
import type { ServiceView, WorldState } from '@weft/model';
import { inboundPortsOf } from './inbound.js';

/** The workload a certificate is asked for: a pod-bound ServiceAccount token's namespace, account and pod. */
export interface MeshNameRequester {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Absent for a token not bound to a pod: such a caller gets no names. */
  readonly podName?: string;
}

/** Services of each namespace, built once per world (a CSR storm reads one world thousands of times). */
const servicesByNamespace = new WeakMap<WorldState, ReadonlyMap<string, readonly ServiceView[]>>();

function namespaceServices(world: WorldState, namespace: string): readonly ServiceView[] {
  let index = servicesByNamespace.get(world);
  if (index === undefined) {
    const built = new Map<string, ServiceView[]>();
    for (const service of world.services.values()) {
      const list = built.get(service.metadata.namespace);
      if (list === undefined) built.set(service.metadata.namespace, [service]);
      else list.push(service);
    }
    index = built;
    servicesByNamespace.set(world, index);
  }
  return index.get(namespace) ?? [];
}

/**
 * The mesh names (docs/mesh-mtls.md) a certificate authority grants a workload: for each Service of the pod's own
 * namespace that selects the pod, one name per port it targets on that pod, resolved as the inbound ports are
 * (`inboundPortsOf`), so the certificate carries exactly the names clients send as SNI. Sorted. Nothing for a caller
 * not bound to a pod, a pod the world does not hold (yet), or a pod of another ServiceAccount (a stale world after a
 * pod was recreated under the same name): the agent asks again once its snapshot shows the names missing.
 */
export function meshNamesFor(world: WorldState | undefined, requester: MeshNameRequester): string[] {
  if (world === undefined || requester.podName === undefined) return [];
  const pod = world.pods.get(`${requester.namespace}/${requester.podName}`);
  if (pod?.serviceAccountName !== requester.serviceAccount) return [];
  const names = new Set<string>();
  for (const service of namespaceServices(world, requester.namespace)) {
    // One Service at a time, so each port keeps the Service it belongs to; the diagnostics are translate's to report.
    for (const port of inboundPortsOf(pod, [service], [])) {
      names.add(meshServerName(service.metadata.name, requester.namespace, port.port, world.clusterDomain));
    }
  }
  return [...names].sort();
}
