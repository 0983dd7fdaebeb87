import type { ApisixRoute, ApisixUpstream, RouteStatusResult, TranslateDiagnostic, WorldState } from '@weft/model';
import type { UpstreamVariant } from './backends.js';
import type { InboundResources } from './inbound.js';
import type { RouteCandidate, RouteTranslation } from './route-candidates.js';
import type { RouteView } from './route-dependencies.js';
import type { ServiceBundle, ServiceBundleCache } from './services.js';
import type { SortedUnion } from './sorted-union.js';

export const EMPTY: readonly never[] = [];
/** Group key of derived upstreams; no `namespace/name` key starts with NUL. */
export const VARIANTS = '\u0000variants';

/** Everything the last translation decided, so an endpoints-only change can reuse all but the upstreams. */
export interface Layout {
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

export interface ScopeLayout {
  readonly scopeId: string;
  /** '' for the producer view, else the consumer namespace. */
  readonly view: string;
  readonly inbound: InboundResources;
  readonly viewRoutes: readonly ApisixRoute[];
}

/** The translator's cached steps a layout shortcut reuses (see createTranslator). */
export interface LayoutSteps {
  readonly bundles: ServiceBundleCache;
  readonly upstreamUnion: SortedUnion<ApisixUpstream>;
  readonly routeUnion: SortedUnion<ApisixRoute>;
  /** `previous`: the last translation of the route under the same key, whose unchanged candidates are kept. */
  translateRoute(world: WorldState, route: RouteView, kind: 'HTTPRoute' | 'GRPCRoute', previous: RouteTranslation | undefined): RouteTranslation;
  variantGroup(variants: readonly UpstreamVariant[], serviceBundles: ReadonlyMap<string, ServiceBundle>): ApisixUpstream[];
  /** A Service's routes in the producer view: per port, its ranked producer routes or else its default route. */
  producerGroup(
    key: string,
    bundle: ServiceBundle,
    producerSlots: ReadonlyMap<string, readonly RouteCandidate[]>,
    producerSlotRoutes: Map<string, readonly ApisixRoute[]>,
  ): readonly ApisixRoute[];
  /** A consumer namespace's routes: the producer view with its overridden slots replaced by its own routes. */
  consumerView(
    namespace: string,
    base: readonly ApisixRoute[],
    slots: ReadonlyMap<string, readonly RouteCandidate[]>,
    producerSlotRoutes: ReadonlyMap<string, readonly ApisixRoute[]>,
    serviceBundles: ReadonlyMap<string, ServiceBundle>,
  ): readonly ApisixRoute[];
}
