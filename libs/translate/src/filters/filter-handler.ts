import type { RouteConditionReason, RouteFilterView, WorldState } from '@weft/model';

/** Plugins of one APISIX route while filters are applied; handlers merge into entries they share. */
export type PluginDraft = Record<string, Record<string, unknown>>;

export interface FilterContext {
  readonly world: WorldState;
  readonly routeKind: 'HTTPRoute' | 'GRPCRoute';
  readonly routeNamespace: string;
  /** The PathPrefix value of the match being translated, if it is one. */
  readonly matchPrefix?: string;
}

export type FilterOutcome =
  | { readonly ok: true }
  /** The filter cannot be honoured: the rule answers 500 instead of silently skipping it (as the spec asks). */
  | { readonly ok: false; readonly message: string }
  /** A reference the filter makes does not resolve: reported in ResolvedRefs, the filter is left out. */
  | { readonly ok: 'ref'; readonly reason: RouteConditionReason; readonly message: string };

/** One Gateway API filter type → APISIX plugin configuration. */
export interface FilterHandler {
  readonly type: string;
  readonly routeKinds: readonly ('HTTPRoute' | 'GRPCRoute')[];
  apply(filter: RouteFilterView, plugins: PluginDraft, context: FilterContext): FilterOutcome;
}

export const OK: FilterOutcome = { ok: true };

export function fail(message: string): FilterOutcome {
  return { ok: false, message };
}
