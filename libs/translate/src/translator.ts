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
import { AuthorizationIndex } from './authorization/authorization-index.js';
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
import { sameList, securedScheme, ServiceBundleCache } from './services.js';
import type { ServiceBundle } from './services.js';
import { ListPatcher } from './list-patcher.js';
import { sortStatuses, stabilize } from './route-edits.js';
import { endpointsLayout } from './endpoints-layout.js';
import { EMPTY, VARIANTS } from './layout.js';
import type { Layout, LayoutSteps } from './layout.js';
import { routesLayout } from './routes-layout.js';
import { mergeById, SortedUnion } from './sorted-union.js';

/** Translates WorldStates one after another, reusing what an unchanged input object produced last time. */
export interface Translator {
  translate(world: WorldState): MeshConfig;
}

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
  let authorization: AuthorizationIndex | undefined;

  /** The compiled MeshAuthorizations of `world`, rebuilt only when its map of them changed. */
  function authorizationOf(world: WorldState): AuthorizationIndex {
    if (authorization?.source !== world.meshAuthorizations) authorization = new AuthorizationIndex(world.meshAuthorizations, authorization);
    return authorization;
  }

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
      // A meshed base keeps its mTLS: a GRPCRoute's grpc becomes grpcs there.
      ...(variant.scheme === undefined ? {} : { scheme: base.tls === undefined ? variant.scheme : securedScheme(variant.scheme) }),
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
      const bundle = bundles.get(service, world.endpointSlices.get(key) ?? EMPTY, world.clusterDomain, world.pods);
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

    // 4. Workloads → scopes. Skipped when neither Pods, Services, consumer namespaces nor MeshAuthorizations changed:
    // the Pod loop is the one part of translation that grows with workloads, not with config.
    const grouped = groupServices(world);
    const consumerKey = [...consumerSlots.keys()].sort().join(',');
    let placement = lastPlacement;
    if (
      placement === undefined ||
      grouped.changed ||
      placement.pods !== world.pods ||
      placement.namespaces !== world.namespaces ||
      placement.consumerKey !== consumerKey ||
      placement.authorizations !== world.meshAuthorizations
    ) {
      placement = placer.place(world, grouped.byNamespace, consumerSlots, consumerKey, authorizationOf(world));
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
      authorizationStatuses: authorizationOf(layout.world).statuses,
      diagnostics: layout.diagnostics,
    };
  }

  const steps: LayoutSteps = { bundles, upstreamUnion, routeUnion, translateRoute, variantGroup, producerGroup, consumerView };

  function translate(world: WorldState): MeshConfig {
    const layout = (lastLayout === undefined ? undefined : (endpointsLayout(steps, lastLayout, world) ?? routesLayout(steps, lastLayout, world))) ?? fullLayout(world);
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
