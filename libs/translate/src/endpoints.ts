import type { ApisixNode, EndpointSliceView, EndpointView, ServicePortView, ServiceView } from '@weft/model';
import { compareStrings } from './ids.js';

function nodeHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * Upstream nodes of one Service port from its EndpointSlices. Slices carry the resolved target port, so named
 * targetPorts need no Pod lookup here. Ready endpoints serve; when none is ready, endpoints that still serve while
 * terminating take the traffic (kube-proxy does the same), so a rollout drains instead of failing.
 * Dual-stack: the Service's primary family is used, the other only if the primary has no endpoints.
 */
export function nodesFor(service: ServiceView, port: ServicePortView, slices: readonly EndpointSliceView[]): ApisixNode[] {
  const primary = service.ipFamilies[0] ?? 'IPv4';
  const families = [primary, primary === 'IPv4' ? 'IPv6' : 'IPv4', 'FQDN'];
  for (const family of families) {
    const candidates: { endpoint: EndpointView; port: number }[] = [];
    for (const slice of slices) {
      if (slice.addressType !== family) continue;
      const slicePort = slice.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
      if (slicePort === undefined) continue;
      for (const endpoint of slice.endpoints) candidates.push({ endpoint, port: slicePort.port });
    }
    const ready = candidates.filter((c) => c.endpoint.ready);
    const chosen = ready.length > 0 ? ready : candidates.filter((c) => c.endpoint.serving && c.endpoint.terminating);
    if (chosen.length === 0) continue;
    const seen = new Set<string>();
    const nodes: ApisixNode[] = [];
    for (const c of chosen) {
      // One address per endpoint: the rest are the same Pod (the API allows only one today).
      const address = c.endpoint.addresses[0];
      if (address === undefined) continue;
      const host = nodeHost(address);
      const key = `${host}:${c.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      nodes.push({ host, port: c.port, weight: 1 });
    }
    return nodes.sort((a, b) => compareStrings(a.host, b.host) || a.port - b.port);
  }
  return [];
}
