import type { GrpcRouteView, HttpRouteView, WorldState } from '@weft/model';
import { grantsIn } from './refs.js';

export type RouteView = HttpRouteView | GrpcRouteView;

/** Objects a route's translation read: if all are the same objects, its last translation still holds. */
export function routeDependencies(world: WorldState, route: RouteView): unknown[] {
  const ns = route.metadata.namespace;
  const deps: unknown[] = [world.clusterDomain, world.controllerName];
  for (const p of route.parentRefs) deps.push(world.services.get(`${p.namespace ?? ns}/${p.name}`));
  const crossNamespaces = new Set<string>();
  const addRef = (ref: { readonly namespace?: string; readonly name: string }): void => {
    const target = ref.namespace ?? ns;
    deps.push(world.services.get(`${target}/${ref.name}`));
    if (target !== ns) crossNamespaces.add(target);
  };
  for (const rule of route.rules) {
    for (const b of rule.backendRefs) addRef(b);
    for (const f of rule.filters) if (f.requestMirror !== undefined) addRef(f.requestMirror.backendRef);
  }
  for (const target of [...crossNamespaces].sort()) deps.push(...grantsIn(world, target));
  return deps;
}

