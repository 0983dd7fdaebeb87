import type { ApisixKind, ApisixResource } from '@weft/model';
import { parseJsonText } from '@weft/snapshot';
import { isShortHost, routeForClient, SHORT_HOST_NAMESPACE_LABEL } from '@weft/translate';
import type { StoreEntryTransform } from './applier.js';
import { topLevelMembers } from './json-members.js';

const ROUTE_MEMBERS = ['hosts', 'labels'] as const;

/**
 * What this pod's stores serve of its scope: a scope is shared by several namespaces, and short host names
 * (`reviews`, `reviews:9080`) mean the Service of the client's own namespace, so routes of other namespaces'
 * Services are served without them. Undefined (no namespace, offline without --pod-namespace): the scope as published.
 */
export function clientViewOf(namespace: string): StoreEntryTransform | undefined {
  if (namespace === '') return undefined;
  const key = `${JSON.stringify(SHORT_HOST_NAMESPACE_LABEL)}:`;
  const own = `${key}${JSON.stringify(namespace)}`;
  const transform = (kind: ApisixKind, resource: ApisixResource): ApisixResource | undefined => (kind === 'routes' ? routeForClient(resource, namespace) : resource);
  return Object.assign(transform, {
    // Only a route labelled with another namespace changes. The label key once, with this namespace: either it is the
    // label, or something nested and the route has no label; the route is served as published either way.
    changes: (kind: ApisixKind, json: string): boolean => {
      if (kind !== 'routes') return false;
      const at = json.indexOf(key);
      if (at < 0) return false;
      return !(json.startsWith(own, at) && json.indexOf(key, at + key.length) < 0);
    },
    rewrite: (kind: ApisixKind, json: string) => (kind === 'routes' ? routeJsonForClient(json, namespace) : { json }),
  });
}

/**
 * routeForClient on a route's canonical JSON: only its `labels` and `hosts` are read, and the host list is cut out
 * of the text, so a full state whose routes mostly belong to other namespaces is not parsed and encoded again route
 * by route. The kept hosts are written as canonical JSON writes strings (JSON.stringify), in their order, so the
 * text is what canonicalJson(routeForClient(route)) gives. Undefined when the text is not laid out as expected.
 */
export function routeJsonForClient(json: string, namespace: string): { readonly json: string | undefined } | undefined {
  const members = topLevelMembers(json, ROUTE_MEMBERS);
  if (members === undefined) return undefined;
  const labelsAt = members.get('labels');
  const hostsAt = members.get('hosts');
  if (labelsAt === undefined || hostsAt === undefined) return { json };
  const labels = parseJsonText(json.slice(labelsAt.start, labelsAt.end)) as Record<string, unknown> | null;
  const owner = typeof labels === 'object' && labels !== null ? labels[SHORT_HOST_NAMESPACE_LABEL] : undefined;
  if (owner === undefined || owner === namespace) return { json };
  const hosts = parseJsonText(json.slice(hostsAt.start, hostsAt.end));
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string')) return undefined;
  const kept = hosts.filter((h) => !isShortHost(h));
  if (kept.length === hosts.length) return { json };
  if (kept.length === 0) return { json: undefined };
  return { json: `${json.slice(0, hostsAt.start)}[${kept.map((h) => JSON.stringify(h)).join(',')}]${json.slice(hostsAt.end)}` };
}
