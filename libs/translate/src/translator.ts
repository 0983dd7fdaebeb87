import type {
  ApisixResources,
  ApisixRoute,
  ApisixUpstream,
  GrpcRouteView,
  HttpRouteView,
  MeshConfig,
  RouteStatusResult,
  ServiceView,
  TranslateDiagnostic,
  WorldState,
} from '@weft/model';
import type { UpstreamVariant } from './backends.js';
import { translateGrpcRoute } from './grpc-route.js';
import { translateHttpRoute } from './http-route.js';
import { byId, compareStrings } from './ids.js';
import type { InboundResources } from './inbound.js';
import type { RouteCandidate, RouteTranslation } from './route-candidates.js';
import { rankSlot } from './ranking.js';
import { routeDependencies } from './route-dependencies.js';
import type { RouteView } from './route-dependencies.js';
import { WorkloadPlacer } from './placement.js';
import type { Placement } from './placement.js';
import { sameList, ServiceBundleCache } from './services.js';
import type { ServiceBundle } from './services.js';
import { ListPatcher } from './list-patcher.js';
import { editSlots, editStatuses, sortStatuses, stabilize } from './route-edits.js';
import { mergeById, SortedUnion } from './sorted-union.js';

/** Translates WorldStates one after another, reusing what an unchanged input object produced last time. */
export interface Translator {
  translate(world: WorldState): MeshConfig;
}

const EMPTY: readonly never[] = [];
/** Group key of derived upstreams; no `namespace/name` key starts with NUL. */
const VARIANTS = '\u0000variants';

export function createTranslator(): Translator {
  const bundles = new ServiceBundleCache();
  const routeCache = new WeakMap<RouteView, { deps: unknown[]; result: RouteTranslation }>();
  const finalized = new WeakMap<ApisixRoute, { priority: number; route: ApisixRoute }>();
  const variantCache = new WeakMap<ApisixUpstream, Map<string, ApisixUpstream>>();
  const upstreamPatcher = new ListPatcher<ApisixUpstream>();
  const routePatcher = new ListPatcher<ApisixRoute>();
  const upstreamUnion = new SortedUnion<ApisixUpstream>(upstreamPatcher);
  const routeUnion = new SortedUnion<ApisixRoute>(routePatcher);
  let namespaceServices = new Map<string, readonly ServiceView[]>();
  const consumerCache = new Map<string, { base: readonly ApisixRoute[]; candidates: readonly RouteCandidate[]; routes: readonly ApisixRoute[] }>();
  interface ScopeEntry {
    readonly viewRoutes: readonly ApisixRoute[];
    readonly inbound: InboundResources;
    readonly baseUpstreams: readonly ApisixUpstream[];
    readonly routes: readonly ApisixRoute[];
    readonly upstreams: readonly ApisixUpstream[];
    readonly resources: ApisixResources;
  }
  let scopeCache = new Map<string, ScopeEntry>();
  const placer = new WorkloadPlacer();
  let lastPlacement: Placement | undefined;

  /** `previous`: the last translation of the route under the same key, whose unchanged candidates are kept. */
  function translateRoute(world: WorldState, route: RouteView, kind: 'HTTPRoute' | 'GRPCRoute', previous: RouteTranslation | undefined): RouteTranslation {
    const deps = routeDependencies(world, route);
    const hit = routeCache.get(route);
    if (hit !== undefined && sameList(hit.deps, deps)) return hit.result;
    const fresh = kind === 'HTTPRoute' ? translateHttpRoute(world, route as HttpRouteView) : translateGrpcRoute(world, route as GrpcRouteView);
    const result = stabilize(fresh, previous);
    routeCache.set(route, { deps, result });
    return result;
  }

  function finalize(candidate: RouteCandidate, priority: number): ApisixRoute {
    const hit = finalized.get(candidate.route);
    if (hit?.priority === priority) return hit.route;
    const route = { ...candidate.route, priority };
    finalized.set(candidate.route, { priority, route });
    return route;
  }

  function variantOf(base: ApisixUpstream, variant: UpstreamVariant): ApisixUpstream {
    let byId = variantCache.get(base);
    if (byId === undefined) variantCache.set(base, (byId = new Map<string, ApisixUpstream>()));
    const hit = byId.get(variant.id);
    if (hit !== undefined) return hit;
    const upstream: ApisixUpstream = {
      ...base,
      id: variant.id,
      ...(variant.scheme === undefined ? {} : { scheme: variant.scheme }),
      ...(variant.retries === undefined ? {} : { retries: variant.retries }),
    };
    byId.set(variant.id, upstream);
    return upstream;
  }

  /** Services per namespace, reusing last time's list when its members are the same objects. */
  function groupServices(world: WorldState): { byNamespace: Map<string, readonly ServiceView[]>; changed: boolean } {
    const grouped = new Map<string, ServiceView[]>();
    for (const service of world.services.values()) {
      const ns = service.metadata.namespace;
      const list = grouped.get(ns);
      if (list === undefined) grouped.set(ns, [service]);
      else list.push(service);
    }
    const out = new Map<string, readonly ServiceView[]>();
    let changed = grouped.size !== namespaceServices.size;
    for (const [ns, list] of grouped) {
      list.sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
      const previous = namespaceServices.get(ns);
      const same = previous !== undefined && sameList(previous, list);
      if (!same) changed = true;
      out.set(ns, same ? previous : list);
    }
    namespaceServices = out;
    return { byNamespace: out, changed };
  }

  /** Everything the last translation decided, so an endpoints-only change can reuse all but the upstreams. */
  interface Layout {
    readonly world: WorldState;
    readonly serviceBundles: Map<string, ServiceBundle>;
    readonly upstreamGroups: Map<string, readonly ApisixUpstream[]>;
    readonly variants: readonly UpstreamVariant[];
    readonly upstreams: readonly ApisixUpstream[];
    /** Each route's translation, by kind and world key. */
    readonly routeResults: ReadonlyMap<string, RouteTranslation>;
    readonly producerSlots: ReadonlyMap<string, readonly RouteCandidate[]>;
    readonly consumerSlots: ReadonlyMap<string, ReadonlyMap<string, readonly RouteCandidate[]>>;
    readonly producerSlotRoutes: ReadonlyMap<string, readonly ApisixRoute[]>;
    readonly baseRoutes: readonly ApisixRoute[];
    readonly scopes: readonly ScopeLayout[];
    readonly workloads: Readonly<Record<string, string>>;
    readonly statuses: readonly RouteStatusResult[];
    readonly diagnostics: readonly TranslateDiagnostic[];
  }
  interface ScopeLayout {
    readonly scopeId: string;
    /** '' for the producer view, else the consumer namespace. */
    readonly view: string;
    readonly inbound: InboundResources;
    readonly viewRoutes: readonly ApisixRoute[];
  }
  let lastLayout: Layout | undefined;

  function variantGroup(variants: readonly UpstreamVariant[], serviceBundles: ReadonlyMap<string, ServiceBundle>): ApisixUpstream[] {
    const out: ApisixUpstream[] = [];
    for (const v of variants) {
      const base = serviceBundles.get(v.serviceKey)?.upstreams.find((u) => u.id === v.baseId);
      if (base !== undefined) out.push(variantOf(base, v));
    }
    return out;
  }

  function fullLayout(world: WorldState): Layout {
    const diagnostics: TranslateDiagnostic[] = [];

    // 1. Services: upstreams and default routes.
    const upstreamGroups = new Map<string, readonly ApisixUpstream[]>();
    const serviceBundles = new Map<string, ServiceBundle>();
    for (const [key, service] of world.services) {
      const bundle = bundles.get(service, world.endpointSlices.get(key) ?? EMPTY, world.clusterDomain);
      serviceBundles.set(key, bundle);
      upstreamGroups.set(key, bundle.upstreams);
    }

    // 2. Routes → candidates per slot, producer and consumer.
    const statuses: RouteStatusResult[] = [];
    const producerSlots = new Map<string, RouteCandidate[]>();
    const consumerSlots = new Map<string, Map<string, RouteCandidate[]>>();
    const variantById = new Map<string, UpstreamVariant>();
    const routeResults = new Map<string, RouteTranslation>();
    const lastResults = lastLayout?.routeResults;
    const collect = (key: string, result: RouteTranslation): void => {
      routeResults.set(key, result);
      if (result.status !== undefined) statuses.push(result.status);
      for (const v of result.variants) variantById.set(v.id, v);
      for (const c of result.candidates) {
        let slots = producerSlots;
        if (c.consumerNamespace !== undefined) {
          slots = consumerSlots.get(c.consumerNamespace) ?? new Map<string, RouteCandidate[]>();
          consumerSlots.set(c.consumerNamespace, slots);
        }
        const list = slots.get(c.slot);
        if (list === undefined) slots.set(c.slot, [c]);
        else list.push(c);
      }
    };
    for (const [key, route] of world.httpRoutes) collect(`H|${key}`, translateRoute(world, route, 'HTTPRoute', lastResults?.get(`H|${key}`)));
    for (const [key, route] of world.grpcRoutes) collect(`G|${key}`, translateRoute(world, route, 'GRPCRoute', lastResults?.get(`G|${key}`)));

    const variants = [...variantById.values()].sort(byId);
    upstreamGroups.set(VARIANTS, variantGroup(variants, serviceBundles));
    const upstreams = upstreamUnion.update(upstreamGroups);

    // 3. The producer view: per slot (Service port), its ranked producer routes or else its default route. Groups
    // are keyed by the world's own key strings, so unchanged Services cost a lookup, not a string build.
    const producerServices = new Set<string>();
    for (const candidates of producerSlots.values()) producerServices.add((candidates[0] as RouteCandidate).serviceKey);
    const routeGroups = new Map<string, readonly ApisixRoute[]>();
    const producerSlotRoutes = new Map<string, readonly ApisixRoute[]>();
    for (const [key, bundle] of serviceBundles) {
      routeGroups.set(key, producerServices.has(key) ? producerGroup(key, bundle, producerSlots, producerSlotRoutes) : bundle.defaultAll);
    }
    const baseRoutes = routeUnion.update(routeGroups);

    // 4. Workloads → scopes. Skipped when neither Pods, Services nor consumer namespaces changed: the Pod loop is the
    // one part of translation that grows with workloads, not with config.
    const grouped = groupServices(world);
    const consumerKey = [...consumerSlots.keys()].sort().join(',');
    let placement = lastPlacement;
    if (placement === undefined || grouped.changed || placement.pods !== world.pods || placement.consumerKey !== consumerKey) {
      placement = placer.place(world, grouped.byNamespace, consumerSlots, consumerKey);
      lastPlacement = placement;
    }
    diagnostics.push(...placement.diagnostics);

    // 5. Each scope's routes: its view's (consumer routes replace whole slots), merged with its inbound ones later.
    const scopes = [...placement.scopes].sort(([a], [b]) => compareStrings(a, b)).map(([scopeId, { view, inbound }]) => ({
      scopeId,
      view,
      inbound,
      viewRoutes: view === '' ? baseRoutes : consumerView(view, baseRoutes, consumerSlots.get(view) ?? new Map(), producerSlotRoutes, serviceBundles),
    }));

    sortStatuses(statuses);
    diagnostics.sort((a, b) => compareStrings(a.object, b.object) || compareStrings(a.message, b.message));
    return {
      world,
      serviceBundles,
      upstreamGroups,
      variants,
      upstreams,
      routeResults,
      producerSlots,
      consumerSlots,
      producerSlotRoutes,
      baseRoutes,
      scopes,
      workloads: placement.workloads,
      statuses,
      diagnostics,
    };
  }

  /** A Service's routes in the producer view: per port, its ranked producer routes or else its default route. */
  function producerGroup(
    key: string,
    bundle: ServiceBundle,
    producerSlots: ReadonlyMap<string, readonly RouteCandidate[]>,
    producerSlotRoutes: Map<string, readonly ApisixRoute[]>,
  ): readonly ApisixRoute[] {
    const routes: ApisixRoute[] = [];
    let attached = false;
    for (const [port, route] of bundle.defaultRoutes) {
      const slot = `${key}:${port}`;
      const candidates = producerSlots.get(slot);
      if (candidates === undefined) {
        producerSlotRoutes.delete(slot);
        routes.push(route);
      } else {
        attached = true;
        const ranked = rankSlot(candidates, finalize);
        producerSlotRoutes.set(slot, ranked);
        routes.push(...ranked);
      }
    }
    return attached ? routes : bundle.defaultAll;
  }

  const MAX_EDITED_ROUTES = 64;

  /**
   * Only routes changed (a few, every other map is the same object): retranslate those, and rebuild only the slots,
   * Service route groups, consumer views and statuses they touch. Returns undefined when the shortcut does not apply
   * (then the full layout runs): many routes changed, or the set of consumer namespaces changed (placement).
   */
  function routesLayout(last: Layout, world: WorldState): Layout | undefined {
    const before = last.world;
    if (
      world.clusterDomain !== before.clusterDomain ||
      world.controllerName !== before.controllerName ||
      world.services !== before.services ||
      world.endpointSlices !== before.endpointSlices ||
      world.pods !== before.pods ||
      world.namespaces !== before.namespaces ||
      world.referenceGrants !== before.referenceGrants ||
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
      const next = route === undefined ? undefined : translateRoute(world, route, kind, old);
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
      const group = variantGroup(variants, last.serviceBundles);
      upstreamGroups = new Map(upstreamGroups).set(VARIANTS, group);
      upstreams = upstreamUnion.replaceGroups(new Map([[VARIANTS, group]]));
    }
    if (removed.length === 0 && added.length === 0) return { ...last, world, routeResults, statuses, variants, upstreamGroups, upstreams };

    const producerEdit = editSlots(last.producerSlots, removed.filter((c) => c.consumerNamespace === undefined), added.filter((c) => c.consumerNamespace === undefined));
    const producerSlotRoutes = new Map(last.producerSlotRoutes);
    const groupChanges = new Map<string, readonly ApisixRoute[]>();
    for (const slot of producerEdit.touched) {
      const serviceKey = slot.slice(0, slot.lastIndexOf(':'));
      const bundle = last.serviceBundles.get(serviceKey);
      if (bundle !== undefined && !groupChanges.has(serviceKey)) groupChanges.set(serviceKey, producerGroup(serviceKey, bundle, producerEdit.slots, producerSlotRoutes));
    }
    const baseRoutes = groupChanges.size === 0 ? last.baseRoutes : routeUnion.replaceGroups(groupChanges);

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
          : consumerView(scope.view, baseRoutes, consumerSlots.get(scope.view) ?? new Map(), producerSlotRoutes, last.serviceBundles),
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

  /**
   * Only EndpointSlices changed (every other map is the same object): rebuild the upstreams of the Services whose
   * slices changed and patch them into the last layout. Upstream ids depend on Services only, so they stay put.
   * Returns undefined when the shortcut does not apply.
   */
  function endpointsLayout(last: Layout, world: WorldState): Layout | undefined {
    const before = last.world;
    if (
      world.clusterDomain !== before.clusterDomain ||
      world.controllerName !== before.controllerName ||
      world.services !== before.services ||
      world.pods !== before.pods ||
      world.namespaces !== before.namespaces ||
      world.httpRoutes !== before.httpRoutes ||
      world.grpcRoutes !== before.grpcRoutes ||
      world.referenceGrants !== before.referenceGrants
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
      const bundle = bundles.get(service, world.endpointSlices.get(key) ?? EMPTY, world.clusterDomain);
      if (!sameList(bundle.upstreams.map((u) => u.id), old.upstreams.map((u) => u.id))) return undefined;
      serviceBundles.set(key, bundle);
      upstreamGroups.set(key, bundle.upstreams);
      patches.push(...bundle.upstreams);
    }
    const variantUpstreams = variantGroup(last.variants, serviceBundles);
    upstreamGroups.set(VARIANTS, variantUpstreams);
    patches.push(...variantUpstreams);
    const upstreams = upstreamUnion.patch(patches, upstreamGroups);
    return { ...last, world, serviceBundles, upstreamGroups, upstreams };
  }

  /** Layout → MeshConfig: per scope, routes and upstreams merged with its inbound ones, reusing unchanged lists. */
  function assemble(layout: Layout): MeshConfig {
    const nextScopeCache = new Map<string, ScopeEntry>();
    const upstreamMerges = new Map<InboundResources, readonly ApisixUpstream[]>();
    const scopeResources: [string, ApisixResources][] = [];
    for (const { scopeId, inbound, viewRoutes } of layout.scopes) {
      const previous = scopeCache.get(scopeId);
      const sameInbound = previous?.inbound === inbound;
      const routes = sameInbound ? derive(routePatcher, previous.routes, previous.viewRoutes, viewRoutes, inbound.routes) : mergeById(viewRoutes, inbound.routes);
      let upstreams = upstreamMerges.get(inbound);
      if (upstreams === undefined) {
        upstreams = sameInbound
          ? derive(upstreamPatcher, previous.upstreams, previous.baseUpstreams, layout.upstreams, inbound.upstreams)
          : mergeById(layout.upstreams, inbound.upstreams);
        upstreamMerges.set(inbound, upstreams);
      }
      const resources =
        previous !== undefined && previous.routes === routes && previous.upstreams === upstreams
          ? previous.resources
          : { routes, upstreams, ssls: [], plugin_configs: [], global_rules: [], stream_routes: [] };
      nextScopeCache.set(scopeId, { viewRoutes, inbound, baseUpstreams: layout.upstreams, routes, upstreams, resources });
      scopeResources.push([scopeId, resources]);
    }
    scopeCache = nextScopeCache;
    return {
      scopes: Object.fromEntries(scopeResources),
      workloads: layout.workloads,
      routeStatuses: layout.statuses,
      diagnostics: layout.diagnostics,
    };
  }

  function translate(world: WorldState): MeshConfig {
    const layout = (lastLayout === undefined ? undefined : (endpointsLayout(lastLayout, world) ?? routesLayout(lastLayout, world))) ?? fullLayout(world);
    lastLayout = layout;
    return assemble(layout);
  }

  /** A consumer namespace's routes: the producer view with its overridden slots replaced by its own routes. */
  function consumerView(
    namespace: string,
    base: readonly ApisixRoute[],
    slots: ReadonlyMap<string, readonly RouteCandidate[]>,
    producerSlotRoutes: ReadonlyMap<string, readonly ApisixRoute[]>,
    serviceBundles: ReadonlyMap<string, ServiceBundle>,
  ): readonly ApisixRoute[] {
    const candidates: RouteCandidate[] = [];
    for (const list of slots.values()) candidates.push(...list);
    const previous = consumerCache.get(namespace);
    if (previous !== undefined && sameList(previous.candidates, candidates)) {
      if (previous.base === base) return previous.routes;
      // The producer view changed by replacing routes in place: replay that onto this view.
      const replaced = routePatcher.replacementsSince(base, previous.base);
      if (replaced !== undefined) {
        const routes = routePatcher.patch(previous.routes, replaced);
        consumerCache.set(namespace, { base, candidates, routes });
        return routes;
      }
    }
    const extra: ApisixRoute[] = [];
    for (const list of slots.values()) extra.push(...rankSlot(list, finalize));
    extra.sort(byId);
    const hidden = new Set<string>();
    for (const [slot, list] of slots) {
      const first = list[0] as RouteCandidate;
      const produced = producerSlotRoutes.get(slot);
      if (produced !== undefined) for (const route of produced) hidden.add(route.id);
      else {
        const fallback = serviceBundles.get(first.serviceKey)?.defaultRoutes.get(first.port);
        if (fallback !== undefined) hidden.add(fallback.id);
      }
    }
    const routes = mergeById(
      base.filter((r) => !hidden.has(r.id)),
      extra,
    );
    consumerCache.set(namespace, { base, candidates, routes });
    return routes;
  }

  return {
    translate,
  };
}

/**
 * A scope list (`base` merged with `extra`) for a new `base`: the previous list when `base` is unchanged, patched
 * when `base` was patched from the previous base, merged afresh otherwise.
 */
function derive<T extends { readonly id: string }>(
  patcher: ListPatcher<T>,
  previous: readonly T[],
  previousBase: readonly T[],
  base: readonly T[],
  extra: readonly T[],
): readonly T[] {
  if (previousBase === base) return previous;
  if (extra.length === 0) return base;
  const replaced = patcher.replacementsSince(base, previousBase);
  return replaced === undefined ? mergeById(base, extra) : patcher.patch(previous, replaced);
}

/** WorldState → MeshConfig with a fresh translator: pure, deterministic, never throws on bad input. */
export function translate(world: WorldState): MeshConfig {
  return createTranslator().translate(world);
}
