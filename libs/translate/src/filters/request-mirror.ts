import { resolveBackend } from '../refs.js';
import { fail, OK } from './filter-handler.js';
import type { FilterHandler } from './filter-handler.js';

/** RequestMirror → proxy-mirror to the Service's cluster DNS name (APISIX allows one mirror per route). */
export const requestMirror: FilterHandler = {
  type: 'RequestMirror',
  routeKinds: ['HTTPRoute', 'GRPCRoute'],
  apply(filter, plugins, context) {
    const m = filter.requestMirror;
    if (m === undefined) return fail('RequestMirror filter needs requestMirror');
    if (plugins['proxy-mirror'] !== undefined) return fail('only one RequestMirror per rule is supported');
    const backend = resolveBackend(context.world, context.routeKind, context.routeNamespace, m.backendRef);
    if (!backend.ok) return { ok: 'ref', reason: backend.reason, message: `mirror: ${backend.message}` };
    let ratio = 1;
    if (m.percent !== undefined) ratio = m.percent / 100;
    else if (m.fraction !== undefined && m.fraction.denominator > 0) ratio = m.fraction.numerator / m.fraction.denominator;
    if (!(ratio >= 0 && ratio <= 1)) return fail('RequestMirror fraction must be between 0 and 1');
    if (ratio === 0) return OK;
    const { name, namespace } = backend.service.metadata;
    const scheme = context.routeKind === 'GRPCRoute' ? 'grpc' : 'http';
    plugins['proxy-mirror'] = {
      host: `${scheme}://${name}.${namespace}.svc.${context.world.clusterDomain}:${backend.port.port}`,
      ...(ratio < 1 ? { sample_ratio: Math.max(0.00001, Math.round(ratio * 100000) / 100000) } : {}),
    };
    return OK;
  },
};
