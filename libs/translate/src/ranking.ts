import type { ApisixRoute } from '@weft/model';
import { compareStrings } from './ids.js';
import type { RouteCandidate } from './route-candidates.js';

const RULE_BITS = 256;
const ROUTE_RANKS = 1024;

/**
 * APISIX `priority` of each candidate of one slot: spec precedence first, then the older route, then
 * `namespace/name`, then rule order, so conflicting routes resolve as the spec says and identically every time.
 * Precedence has 26 bits, rank 10, rule 8: 44 bits, exact in a double.
 */
export function rankSlot(candidates: readonly RouteCandidate[], finalize: (c: RouteCandidate, priority: number) => ApisixRoute): ApisixRoute[] {
  const orders = [...new Set(candidates.map((c) => c.routeOrder))].sort(compareStrings);
  const rankOf = new Map(orders.map((order, i) => [order, i]));
  return candidates.map((c) => {
    const rank = Math.min(rankOf.get(c.routeOrder) ?? 0, ROUTE_RANKS - 1);
    const rule = Math.min(c.ruleIndex, RULE_BITS - 1);
    return finalize(c, (c.precedence * ROUTE_RANKS + (ROUTE_RANKS - 1 - rank)) * RULE_BITS + (RULE_BITS - 1 - rule));
  });
}
