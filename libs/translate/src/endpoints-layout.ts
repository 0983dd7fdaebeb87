import type { ApisixUpstream, WorldState } from '@weft/model';
import { EMPTY, VARIANTS } from './layout.js';
import type { Layout, LayoutSteps } from './layout.js';
import { sameList } from './services.js';

/**
 * Only EndpointSlices changed (every other map is the same object): rebuild the upstreams of the Services whose
 * slices changed and patch them into the last layout. Upstream ids depend on Services only, so they stay put.
 * Returns undefined when the shortcut does not apply.
 */
export function endpointsLayout(steps: LayoutSteps, last: Layout, world: WorldState): Layout | undefined {
  const before = last.world;
  if (
    world.clusterDomain !== before.clusterDomain ||
    world.controllerName !== before.controllerName ||
    world.services !== before.services ||
    world.pods !== before.pods ||
    world.namespaces !== before.namespaces ||
    world.httpRoutes !== before.httpRoutes ||
    world.grpcRoutes !== before.grpcRoutes ||
    world.referenceGrants !== before.referenceGrants ||
    world.meshAuthorizations !== before.meshAuthorizations
  ) {
    return undefined;
  }
  const changed = new Set<string>();
  for (const [key, slices] of world.endpointSlices) if (before.endpointSlices.get(key) !== slices) changed.add(key);
  if (world.endpointSlices.size !== before.endpointSlices.size || changed.size > 0) {
    for (const key of before.endpointSlices.keys()) if (!world.endpointSlices.has(key)) changed.add(key);
  }
  if (changed.size === 0) return { ...last, world };
  const patches: ApisixUpstream[] = [];
  const serviceBundles = new Map(last.serviceBundles);
  const upstreamGroups = new Map(last.upstreamGroups);
  for (const key of changed) {
    const service = world.services.get(key);
    const old = last.serviceBundles.get(key);
    if (service === undefined || old === undefined) continue;
    const bundle = steps.bundles.get(service, world.endpointSlices.get(key) ?? EMPTY, world.clusterDomain, world.pods);
    if (!sameList(bundle.upstreams.map((u) => u.id), old.upstreams.map((u) => u.id))) return undefined;
    serviceBundles.set(key, bundle);
    upstreamGroups.set(key, bundle.upstreams);
    patches.push(...bundle.upstreams);
  }
  const variantUpstreams = steps.variantGroup(last.variants, serviceBundles);
  upstreamGroups.set(VARIANTS, variantUpstreams);
  patches.push(...variantUpstreams);
  const upstreams = steps.upstreamUnion.patch(patches, upstreamGroups);
  return { ...last, world, serviceBundles, upstreamGroups, upstreams };
}
