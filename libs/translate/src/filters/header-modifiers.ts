import type { HeaderModifierView } from '@weft/model';
import { fail, OK } from './filter-handler.js';
import type { FilterHandler } from './filter-handler.js';

function toRecord(pairs: readonly { readonly name: string; readonly value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, value } of pairs) out[name] = value;
  return out;
}

function isEmpty(m: HeaderModifierView): boolean {
  return m.set.length === 0 && m.add.length === 0 && m.remove.length === 0;
}

/** RequestHeaderModifier → proxy-rewrite `headers {set, add, remove}`. */
export const requestHeaderModifier: FilterHandler = {
  type: 'RequestHeaderModifier',
  routeKinds: ['HTTPRoute', 'GRPCRoute'],
  apply(filter, plugins) {
    const m = filter.requestHeaderModifier;
    if (m === undefined) return fail('RequestHeaderModifier filter needs requestHeaderModifier');
    if (isEmpty(m)) return OK;
    const rewrite = (plugins['proxy-rewrite'] ??= {});
    const headers = (rewrite.headers ?? {}) as Record<string, unknown>;
    rewrite.headers = {
      ...headers,
      ...(m.set.length > 0 ? { set: { ...(headers.set as object | undefined), ...toRecord(m.set) } } : {}),
      ...(m.add.length > 0 ? { add: { ...(headers.add as object | undefined), ...toRecord(m.add) } } : {}),
      ...(m.remove.length > 0 ? { remove: [...((headers.remove as string[] | undefined) ?? []), ...m.remove] } : {}),
    };
    return OK;
  },
};

/** ResponseHeaderModifier → response-rewrite `headers {set, add: ["Name: value"], remove}`. */
export const responseHeaderModifier: FilterHandler = {
  type: 'ResponseHeaderModifier',
  routeKinds: ['HTTPRoute', 'GRPCRoute'],
  apply(filter, plugins) {
    const m = filter.responseHeaderModifier;
    if (m === undefined) return fail('ResponseHeaderModifier filter needs responseHeaderModifier');
    if (isEmpty(m)) return OK;
    const rewrite = (plugins['response-rewrite'] ??= {});
    const headers = (rewrite.headers ?? {}) as Record<string, unknown>;
    rewrite.headers = {
      ...headers,
      ...(m.set.length > 0 ? { set: { ...(headers.set as object | undefined), ...toRecord(m.set) } } : {}),
      ...(m.add.length > 0 ? { add: [...((headers.add as string[] | undefined) ?? []), ...m.add.map((h) => `${h.name}: ${h.value}`)] } : {}),
      ...(m.remove.length > 0 ? { remove: [...((headers.remove as string[] | undefined) ?? []), ...m.remove] } : {}),
    };
    return OK;
  },
};
