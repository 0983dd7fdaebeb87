import type { ApisixScheme, BackendRefView, RouteConditionReason, WorldState } from '@weft/model';
import { portProtocol } from './app-protocol.js';
import { resolveBackend } from './refs.js';
import { upstreamId } from './services.js';
import { resourceId } from './ids.js';

/** An upstream derived from a Service port's own (same nodes, another scheme or retry count). */
export interface UpstreamVariant {
  readonly id: string;
  /** `namespace/name` of the Service whose upstream this derives from. */
  readonly serviceKey: string;
  readonly baseId: string;
  readonly scheme?: ApisixScheme;
  readonly retries?: number;
}

export interface RefProblem {
  readonly reason: RouteConditionReason;
  readonly message: string;
}

export interface BackendPlan {
  /** Upstream of the route itself (the first valid backend). */
  readonly upstreamId?: string;
  readonly plugins: Record<string, Record<string, unknown>>;
  readonly refProblems: readonly RefProblem[];
  readonly variants: readonly UpstreamVariant[];
}

export interface BackendOptions {
  readonly routeKind: 'HTTPRoute' | 'GRPCRoute';
  readonly routeNamespace: string;
  /** Force this scheme on the backends (GRPCRoute: grpc). */
  readonly scheme?: ApisixScheme;
  readonly retries?: number;
}

/** Answer every request with 500: what the spec asks for a rule with no usable backend. */
export function abortAll(body = 'no valid backend\n'): Record<string, unknown> {
  return { abort: { http_status: 500, body, percentage: 100 } };
}

/**
 * Weighted backendRefs → upstream_id + traffic-split. The share of invalid backends is answered with 500 by
 * fault-injection (traffic-split cannot point at "nothing" without failing the snapshot's reference check).
 */
export function planBackends(world: WorldState, refs: readonly BackendRefView[], options: BackendOptions): BackendPlan {
  const refProblems: RefProblem[] = [];
  const variants: UpstreamVariant[] = [];
  const valid: { id: string; weight: number }[] = [];
  let invalidWeight = 0;
  for (const ref of refs) {
    const resolved = resolveBackend(world, options.routeKind, options.routeNamespace, ref);
    if (!resolved.ok) {
      refProblems.push({ reason: resolved.reason, message: resolved.message });
      invalidWeight += Math.max(0, ref.weight);
      continue;
    }
    if (ref.weight <= 0) continue;
    const { namespace, name } = resolved.service.metadata;
    const baseId = upstreamId(namespace, name, resolved.port.port);
    const baseScheme = portProtocol(resolved.port.appProtocol, resolved.port.name).scheme;
    const scheme = options.scheme !== undefined && options.scheme !== baseScheme ? options.scheme : undefined;
    let id = baseId;
    if (scheme !== undefined || options.retries !== undefined) {
      id = resourceId(baseId, ...(scheme === undefined ? [] : [scheme]), ...(options.retries === undefined ? [] : [`r${options.retries}`]));
      variants.push({
        id,
        serviceKey: `${namespace}/${name}`,
        baseId,
        ...(scheme === undefined ? {} : { scheme }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
      });
    }
    const same = valid.find((v) => v.id === id);
    if (same === undefined) valid.push({ id, weight: ref.weight });
    else same.weight += ref.weight;
  }
  const plugins: Record<string, Record<string, unknown>> = {};
  const first = valid[0];
  if (first === undefined) {
    plugins['fault-injection'] = abortAll();
    return { plugins, refProblems, variants };
  }
  const validWeight = valid.reduce((sum, v) => sum + v.weight, 0);
  if (invalidWeight > 0) {
    const percentage = Math.min(100, Math.max(1, Math.round((invalidWeight / (invalidWeight + validWeight)) * 100)));
    plugins['fault-injection'] = { abort: { http_status: 500, body: 'no valid backend\n', percentage } };
  }
  if (valid.length > 1) {
    plugins['traffic-split'] = { rules: [{ weighted_upstreams: valid.map((v) => ({ upstream_id: v.id, weight: v.weight })) }] };
  }
  return { upstreamId: first.id, plugins, refProblems, variants };
}
