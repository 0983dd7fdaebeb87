import { routeForClient } from '@weft/translate';
import type { StoreEntryTransform } from './applier.js';

/**
 * What this pod's stores serve of its scope: a scope is shared by several namespaces, and short host names
 * (`reviews`, `reviews:9080`) mean the Service of the client's own namespace, so routes of other namespaces'
 * Services are served without them. Undefined (no namespace, offline without --pod-namespace): the scope as published.
 */
export function clientViewOf(namespace: string): StoreEntryTransform | undefined {
  if (namespace === '') return undefined;
  return (kind, resource) => (kind === 'routes' ? routeForClient(resource, namespace) : resource);
}
