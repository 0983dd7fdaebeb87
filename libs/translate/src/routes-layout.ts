import type { ApisixRoute, RouteStatusResult, WorldState } from '@weft/model';
import type { UpstreamVariant } from './backends.js';
import { byId } from './ids.js';
import { EMPTY, VARIANTS } from './layout.js';
import type { Layout, LayoutSteps } from './layout.js';
import type { RouteCandidate } from './route-candidates.js';
import type { RouteView } from './route-dependencies.js';
import { editSlots, editStatuses } from './route-edits.js';
import { sameList } from './services.js';

const MAX_EDITED_ROUTES = 64;

/**
 * Only routes changed (a few, every other map is the same object): retranslate those, and rebuild only the slots,
 * Service route groups, consumer views and statuses they touch. Returns undefined when the shortcut does not apply
 * (then the full layout runs): many routes changed, or the set of consumer namespaces changed (placement).
 */
export function routesLayout(steps: LayoutSteps, last: Layout, world: WorldState): Layout | undefined {
  const before = last.world;
  if (
    world.clusterDomain !== before.clusterDomain ||
    world.controllerName !== before.controllerName ||
    world.services !== before.services ||
    world.endpointSlices !== before.endpointSlices ||
    world.pods !== before.pods ||
    world.namespaces !== before.namespaces ||
    world.referenceGrants !== before.referenceGrants ||
    world.meshAuthorizations !== before.meshAuthorizations ||
    (world.httpRoutes === before.httpRoutes && world.grpcRoutes === before.grpcRoutes)
  ) {
    return undefined;
  }
  const edited: { readonly key: string; readonly route: RouteView | undefined; readonly kind: 'HTTPRoute' | 'GRPCRoute' }[] = [];
  const scan = (prefix: string, kind: 'HTTPRoute' | 'GRPCRoute', next: ReadonlyMap<string, RouteView>, previous: ReadonlyMap<string, RouteView>): boolean => {
    if (next === previous) return true;
    for (const [key, route] of next) if (previous.get(key) !== route) edited.push({ key: `${prefix}|${key}`, route, kind });
    if (next.size !== previous.size || edited.length > 0) {
      for (const key of previous.keys()) if (!next.has(key)) edited.push({ key: `${prefix}|${key}`, route: undefined, kind });
    }
    return edited.length <= MAX_EDITED_ROUTES;
  };
  if (!scan('H', 'HTTPRoute', world.httpRoutes, before.httpRoutes) || !scan('G', 'GRPCRoute', world.grpcRoutes, before.grpcRoutes)) return undefined;

  const routeResults = new Map(last.routeResults);
  const removed: RouteCandidate[] = [];
  const added: RouteCandidate[] = [];
  const statusEdits: { before: RouteStatusResult | undefined; after: RouteStatusResult | undefined }[] = [];
  let variantsChanged = false;
  for (const { key, route, kind } of edited) {
    const old = last.routeResults.get(key);
    const next = route === undefined ? undefined : steps.translateRoute(world, route, kind, old);
    if (next === undefined) routeResults.delete(key);
    else routeResults.set(key, next);
    statusEdits.push({ before: old?.status, after: next?.status });
    if (!sameList<string>(old?.variants.map((v) => v.id) ?? EMPTY, next?.variants.map((v) => v.id) ?? EMPTY)) variantsChanged = true;
    if (old?.candidates === next?.candidates) continue;
    removed.push(...(old?.candidates ?? EMPTY));
    added.push(...(next?.candidates ?? EMPTY));
  }
  const statuses = editStatuses(last.statuses, statusEdits);

  let { upstreamGroups, variants, upstreams } = last;
  if (variantsChanged) {
    const variantById = new Map<string, UpstreamVariant>();
    for (const result of routeResults.values()) for (const v of result.variants) variantById.set(v.id, v);
    variants = [...variantById.values()].sort(byId);
    const group = steps.variantGroup(variants, last.serviceBundles);
    upstreamGroups = new Map(upstreamGroups).set(VARIANTS, group);
    upstreams = steps.upstreamUnion.replaceGroups(new Map([[VARIANTS, group]]));
  }
  if (removed.length === 0 && added.length === 0) return { ...last, world, routeResults, statuses, variants, upstreamGroups, upstreams };

  const producerEdit = editSlots(last.producerSlots, removed.filter((c) => c.consumerNamespace === undefined), added.filter((c) => c.consumerNamespace === undefined));
  const producerSlotRoutes = new Map(last.producerSlotRoutes);
  const groupChanges = new Map<string, readonly ApisixRoute[]>();
  for (const slot of producerEdit.touched) {
    const serviceKey = slot.slice(0, slot.lastIndexOf(':'));
    const bundle = last.serviceBundles.get(serviceKey);
    if (bundle !== undefined && !groupChanges.has(serviceKey)) groupChanges.set(serviceKey, steps.producerGroup(serviceKey, bundle, producerEdit.slots, producerSlotRoutes));
  }
  const baseRoutes = groupChanges.size === 0 ? last.baseRoutes : steps.routeUnion.replaceGroups(groupChanges);

  const consumerSlots = new Map(last.consumerSlots);
  for (const ns of new Set([...removed, ...added].flatMap((c) => (c.consumerNamespace === undefined ? [] : [c.consumerNamespace])))) {
    const edit = editSlots(
      last.consumerSlots.get(ns) ?? new Map(),
      removed.filter((c) => c.consumerNamespace === ns),
      added.filter((c) => c.consumerNamespace === ns),
    );
    // A namespace gaining or losing all its consumer routes moves its workloads between scopes: full layout.
    if (edit.slots.size === 0 || !last.consumerSlots.has(ns)) return undefined;
    consumerSlots.set(ns, edit.slots);
  }
  const scopes = last.scopes.map((scope) => ({
    ...scope,
    viewRoutes:
      scope.view === ''
        ? baseRoutes
        : steps.consumerView(scope.view, baseRoutes, consumerSlots.get(scope.view) ?? new Map(), producerSlotRoutes, last.serviceBundles),
  }));
  return {
    ...last,
    world,
    routeResults,
    statuses,
    variants,
    upstreamGroups,
    upstreams,
    producerSlots: producerEdit.slots,
    consumerSlots,
    producerSlotRoutes,
    baseRoutes,
    scopes,
  };
}
