import type { ApisixResources, ApisixRoute } from '@weft/model';

/**
 * Label on a route whose hosts include short names (`reviews`, `reviews:9080`): the namespace of the Service they
 * name. A client resolves a short name through its DNS search path, i.e. in its own namespace, so one scope shared by
 * several namespaces cannot give a short name a single meaning; the agent serves each workload its client view.
 */
export const SHORT_HOST_NAMESPACE_LABEL = 'weft.dev/short-host-namespace';

/**
 * A host a client resolves in its own namespace: a name without a dot, with or without `:port`. Fully qualified names
 * and IPv4 addresses contain a dot, IPv6 literals are bracketed.
 */
export function isShortHost(host: string): boolean {
  if (host.startsWith('[')) return false;
  const colon = host.indexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  return !name.includes('.');
}

const NOT_SERVED = Object.freeze({ id: '' }) as ApisixRoute;
const stripped = new WeakMap<ApisixRoute, ApisixRoute>();

/**
 * The route as a workload in `namespace` serves it: the same object unless its short host names belong to another
 * namespace's Service, then a copy without them; undefined when nothing but such names is left (without hosts the
 * route would match every host).
 */
export function routeForClient(route: ApisixRoute, namespace: string): ApisixRoute | undefined {
  const owner = route.labels?.[SHORT_HOST_NAMESPACE_LABEL];
  if (owner === undefined || owner === namespace || route.hosts === undefined) return route;
  let out = stripped.get(route);
  if (out === undefined) {
    const hosts = route.hosts.filter((h) => !isShortHost(h));
    out = hosts.length === route.hosts.length ? route : hosts.length === 0 ? NOT_SERVED : Object.freeze({ ...route, hosts: Object.freeze(hosts) });
    stripped.set(route, out);
  }
  return out === NOT_SERVED ? undefined : out;
}

/** A scope's resources as a workload in `namespace` serves them (see {@link routeForClient}). */
export function resourcesForClient(resources: ApisixResources, namespace: string): ApisixResources {
  let changed = false;
  const routes: ApisixRoute[] = [];
  for (const route of resources.routes) {
    const out = routeForClient(route, namespace);
    if (out !== route) changed = true;
    if (out !== undefined) routes.push(out);
  }
  return changed ? { ...resources, routes } : resources;
}
