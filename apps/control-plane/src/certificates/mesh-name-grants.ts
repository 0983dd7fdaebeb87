import { meshServerName } from '@weft/model';
import type { ServiceView, WorldState } from '@weft/model';
import type { WorkloadAccount } from '@weft/pki';
import { inboundPortsOf } from '@weft/translate';

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
 * The mesh names (docs/mesh-mtls.md) the CA grants a workload: for each Service of the pod's own namespace that
 * selects the pod, one name per port it targets on that pod, resolved as translate resolves the inbound ports
 * (`inboundPortsOf`), so the certificate carries exactly the names clients send as SNI. Nothing for a token that is
 * not bound to a pod, a pod the world does not hold (yet), or a pod of another ServiceAccount (a stale world after a
 * pod was recreated under the same name): the agent asks again once its snapshot shows the names missing.
 */
export function meshNamesFor(world: WorldState | undefined, account: WorkloadAccount): string[] {
  if (world === undefined || account.podName === undefined) return [];
  const pod = world.pods.get(`${account.namespace}/${account.podName}`);
  if (pod?.serviceAccountName !== account.serviceAccount) return [];
  const names = new Set<string>();
  for (const service of namespaceServices(world, account.namespace)) {
    // One Service at a time, so each port keeps the Service it belongs to; the diagnostics are translate's to report.
    for (const port of inboundPortsOf(pod, [service], [])) {
      names.add(meshServerName(service.metadata.name, account.namespace, port.port, world.clusterDomain));
    }
  }
  return [...names].sort();
}

/** The certificate service's `grantDnsNames` hook over the control plane's current world (undefined before the first sync). */
export function meshNameGrants(world: () => WorldState | undefined): (account: WorkloadAccount) => readonly string[] {
  return (account) => meshNamesFor(world(), account);
}
