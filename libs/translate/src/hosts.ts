import type { ServiceView } from '@weft/model';
import { SHORT_HOST_NAMESPACE_LABEL } from './client-view.js';

/** The names a client may use for a Service: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<domain>`. */
export function serviceNames(service: ServiceView, clusterDomain: string): string[] {
  const { name, namespace } = service.metadata;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
}

function ipHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * Host header values that address `port` of a Service. Clients send `host:port` unless the port is 80; a bare name
 * also reaches a Service that has no port 80 when the port is its only one (or its lowest, so bare names of a
 * multi-port Service land somewhere deterministic).
 */
export function serviceHosts(service: ServiceView, port: number, clusterDomain: string): string[] {
  const names = serviceNames(service, clusterDomain);
  const ips = service.clusterIPs.map(ipHost);
  const hosts = [...names, ...ips].map((h) => `${h}:${port}`);
  if (takesBareHost(service, port)) hosts.push(...names, ...ips);
  return hosts;
}

function takesBareHost(service: ServiceView, port: number): boolean {
  const ports = service.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port);
  if (ports.includes(80)) return port === 80;
  return ports.length > 0 && port === Math.min(...ports);
}

const labelsByNamespace = new Map<string, Readonly<Record<string, string>>>();

/** Labels of a route whose hosts are {@link serviceHosts}: one shared object per namespace. */
export function shortHostLabels(service: ServiceView): Readonly<Record<string, string>> {
  const ns = service.metadata.namespace;
  let labels = labelsByNamespace.get(ns);
  if (labels === undefined) labelsByNamespace.set(ns, (labels = Object.freeze({ [SHORT_HOST_NAMESPACE_LABEL]: ns })));
  return labels;
}
