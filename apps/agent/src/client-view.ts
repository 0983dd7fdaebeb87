import type { ApisixKind, ApisixResource } from '@weft/model';
import { routeForClient, SHORT_HOST_NAMESPACE_LABEL } from '@weft/translate';
import type { StoreEntryTransform } from './applier.js';

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
  });
}
