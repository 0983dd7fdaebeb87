import type { GrpcRouteView, WorldState } from '@weft/model';
import { planGrpcMatch } from './matches.js';
import type { RouteTranslation } from './route-candidates.js';
import { translateGenericRoute } from './route-candidates.js';
import { OUTBOUND_VAR } from './services.js';

/** GRPCRoute with Service parents → APISIX route candidates (gRPC upstreams) + status. */
export function translateGrpcRoute(world: WorldState, route: GrpcRouteView): RouteTranslation {
  return translateGenericRoute(world, {
    kind: 'GRPCRoute',
    idPrefix: 'g',
    metadata: route.metadata,
    parentRefs: route.parentRefs,
    backendScheme: 'grpc',
    rules: route.rules.map((rule) => ({
      matches: rule.matches.map((m) => planGrpcMatch(m, [OUTBOUND_VAR])),
      matchPrefixes: rule.matches.map(() => undefined),
      filters: rule.filters,
      backendRefs: rule.backendRefs,
      problems: [],
    })),
  });
}
