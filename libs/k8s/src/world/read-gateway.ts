import type {
  BackendObjectRefView,
  BackendRefView,
  GrpcRouteMatchView,
  GrpcRouteRuleView,
  GrpcRouteView,
  HeaderMatchView,
  HeaderModifierView,
  HttpRouteMatchView,
  HttpRouteRuleView,
  HttpRouteView,
  ParentRefView,
  PathModifierView,
  ReferenceGrantView,
  RouteFilterView,
} from '@weft/model';
import { int, mapList, optInt, optRecord, optStr, portNumber, record, str } from './fields.js';
import type { Plain } from './fields.js';
import { readMeta } from './read-meta.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

function readParentRef(value: unknown, path: string): ParentRefView {
  const p = record(value, path);
  const namespace = optStr(p.namespace, `${path}.namespace`);
  const sectionName = optStr(p.sectionName, `${path}.sectionName`);
  const port = p.port === undefined || p.port === null ? undefined : portNumber(p.port, `${path}.port`);
  return {
    group: optStr(p.group, `${path}.group`) ?? GATEWAY_GROUP,
    kind: optStr(p.kind, `${path}.kind`) ?? 'Gateway',
    ...(namespace === undefined ? {} : { namespace }),
    name: str(p.name, `${path}.name`),
    ...(sectionName === undefined ? {} : { sectionName }),
    ...(port === undefined ? {} : { port }),
  };
}

function readObjectRef(value: unknown, path: string): BackendObjectRefView {
  const b = record(value, path);
  const namespace = optStr(b.namespace, `${path}.namespace`);
  const port = b.port === undefined || b.port === null ? undefined : portNumber(b.port, `${path}.port`);
  return {
    group: optStr(b.group, `${path}.group`) ?? '',
    kind: optStr(b.kind, `${path}.kind`) ?? 'Service',
    ...(namespace === undefined ? {} : { namespace }),
    name: str(b.name, `${path}.name`),
    ...(port === undefined ? {} : { port }),
  };
}

function readHeaderModifier(value: unknown, path: string): HeaderModifierView {
  const m = record(value, path);
  const pair = (v: unknown, p: string) => {
    const h = record(v, p);
    return { name: str(h.name, `${p}.name`), value: str(h.value, `${p}.value`) };
  };
  return {
    set: mapList(m.set, `${path}.set`, pair),
    add: mapList(m.add, `${path}.add`, pair),
    remove: mapList(m.remove, `${path}.remove`, str),
  };
}

function readPathModifier(value: unknown, path: string): PathModifierView {
  const m = record(value, path);
  const full = optStr(m.replaceFullPath, `${path}.replaceFullPath`);
  const prefix = optStr(m.replacePrefixMatch, `${path}.replacePrefixMatch`);
  return {
    type: str(m.type, `${path}.type`),
    ...(full === undefined ? {} : { replaceFullPath: full }),
    ...(prefix === undefined ? {} : { replacePrefixMatch: prefix }),
  };
}

function readFilter(value: unknown, path: string): RouteFilterView {
  const f = record(value, path);
  const type = str(f.type, `${path}.type`);
  const out: { -readonly [K in keyof RouteFilterView]: RouteFilterView[K] } = { type };
  const rqh = optRecord(f.requestHeaderModifier, `${path}.requestHeaderModifier`);
  if (rqh !== undefined) out.requestHeaderModifier = readHeaderModifier(rqh, `${path}.requestHeaderModifier`);
  const rsh = optRecord(f.responseHeaderModifier, `${path}.responseHeaderModifier`);
  if (rsh !== undefined) out.responseHeaderModifier = readHeaderModifier(rsh, `${path}.responseHeaderModifier`);
  const redirect = optRecord(f.requestRedirect, `${path}.requestRedirect`);
  if (redirect !== undefined) {
    const p = `${path}.requestRedirect`;
    const scheme = optStr(redirect.scheme, `${p}.scheme`);
    const hostname = optStr(redirect.hostname, `${p}.hostname`);
    const port = redirect.port === undefined || redirect.port === null ? undefined : portNumber(redirect.port, `${p}.port`);
    const statusCode = optInt(redirect.statusCode, `${p}.statusCode`);
    out.requestRedirect = {
      ...(scheme === undefined ? {} : { scheme }),
      ...(hostname === undefined ? {} : { hostname }),
      ...(redirect.path === undefined ? {} : { path: readPathModifier(redirect.path, `${p}.path`) }),
      ...(port === undefined ? {} : { port }),
      ...(statusCode === undefined ? {} : { statusCode }),
    };
  }
  const rewrite = optRecord(f.urlRewrite, `${path}.urlRewrite`);
  if (rewrite !== undefined) {
    const hostname = optStr(rewrite.hostname, `${path}.urlRewrite.hostname`);
    out.urlRewrite = {
      ...(hostname === undefined ? {} : { hostname }),
      ...(rewrite.path === undefined ? {} : { path: readPathModifier(rewrite.path, `${path}.urlRewrite.path`) }),
    };
  }
  const mirror = optRecord(f.requestMirror, `${path}.requestMirror`);
  if (mirror !== undefined) {
    const p = `${path}.requestMirror`;
    const percent = optInt(mirror.percent, `${p}.percent`);
    const fraction = optRecord(mirror.fraction, `${p}.fraction`);
    out.requestMirror = {
      backendRef: readObjectRef(mirror.backendRef, `${p}.backendRef`),
      ...(percent === undefined ? {} : { percent }),
      ...(fraction === undefined
        ? {}
        : {
            fraction: {
              numerator: int(fraction.numerator, `${p}.fraction.numerator`),
              denominator: optInt(fraction.denominator, `${p}.fraction.denominator`) ?? 100,
            },
          }),
    };
  }
  const ext = optRecord(f.extensionRef, `${path}.extensionRef`);
  if (ext !== undefined) {
    out.extensionRef = {
      group: optStr(ext.group, `${path}.extensionRef.group`) ?? '',
      kind: str(ext.kind, `${path}.extensionRef.kind`),
      name: str(ext.name, `${path}.extensionRef.name`),
    };
  }
  return out;
}

function readBackendRef(value: unknown, path: string): BackendRefView {
  const b = record(value, path);
  return {
    ...readObjectRef(b, path),
    weight: optInt(b.weight, `${path}.weight`) ?? 1,
    filters: mapList(b.filters, `${path}.filters`, readFilter),
  };
}

function readHeaderMatch(value: unknown, path: string): HeaderMatchView {
  const h = record(value, path);
  return { type: optStr(h.type, `${path}.type`) ?? 'Exact', name: str(h.name, `${path}.name`), value: str(h.value, `${path}.value`) };
}

function readHttpMatch(value: unknown, path: string): HttpRouteMatchView {
  const m = record(value, path);
  const p = optRecord(m.path, `${path}.path`);
  const method = optStr(m.method, `${path}.method`);
  return {
    ...(p === undefined
      ? {}
      : { path: { type: optStr(p.type, `${path}.path.type`) ?? 'PathPrefix', value: optStr(p.value, `${path}.path.value`) ?? '/' } }),
    headers: mapList(m.headers, `${path}.headers`, readHeaderMatch),
    queryParams: mapList(m.queryParams, `${path}.queryParams`, readHeaderMatch),
    ...(method === undefined ? {} : { method }),
  };
}

function readHttpRule(value: unknown, path: string): HttpRouteRuleView {
  const r = record(value, path);
  const name = optStr(r.name, `${path}.name`);
  const timeouts = optRecord(r.timeouts, `${path}.timeouts`);
  const retry = optRecord(r.retry, `${path}.retry`);
  const matches = mapList(r.matches, `${path}.matches`, readHttpMatch);
  return {
    ...(name === undefined ? {} : { name }),
    // No matches means one match of every request (path prefix "/").
    matches: matches.length > 0 ? matches : [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
    filters: mapList(r.filters, `${path}.filters`, readFilter),
    backendRefs: mapList(r.backendRefs, `${path}.backendRefs`, readBackendRef),
    ...(timeouts === undefined
      ? {}
      : {
          timeouts: {
            ...(timeouts.request === undefined ? {} : { request: str(timeouts.request, `${path}.timeouts.request`) }),
            ...(timeouts.backendRequest === undefined
              ? {}
              : { backendRequest: str(timeouts.backendRequest, `${path}.timeouts.backendRequest`) }),
          },
        }),
    ...(retry === undefined
      ? {}
      : {
          retry: {
            codes: mapList(retry.codes, `${path}.retry.codes`, int),
            ...(retry.attempts === undefined ? {} : { attempts: int(retry.attempts, `${path}.retry.attempts`) }),
            ...(retry.backoff === undefined ? {} : { backoff: str(retry.backoff, `${path}.retry.backoff`) }),
          },
        }),
  };
}

export function readHttpRoute(obj: Plain, defaultNamespace: string): HttpRouteView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const spec = optRecord(obj.spec, 'spec') ?? {};
  const rules = mapList(spec.rules, 'spec.rules', readHttpRule);
  return {
    metadata,
    parentRefs: mapList(spec.parentRefs, 'spec.parentRefs', readParentRef),
    hostnames: mapList(spec.hostnames, 'spec.hostnames', str),
    // No rules means one rule of every request to no backend.
    rules:
      rules.length > 0
        ? rules
        : [{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }], filters: [], backendRefs: [] }],
  };
}

function readGrpcMatch(value: unknown, path: string): GrpcRouteMatchView {
  const m = record(value, path);
  const method = optRecord(m.method, `${path}.method`);
  return {
    ...(method === undefined
      ? {}
      : {
          method: {
            type: optStr(method.type, `${path}.method.type`) ?? 'Exact',
            ...(method.service === undefined ? {} : { service: str(method.service, `${path}.method.service`) }),
            ...(method.method === undefined ? {} : { method: str(method.method, `${path}.method.method`) }),
          },
        }),
    headers: mapList(m.headers, `${path}.headers`, readHeaderMatch),
  };
}

function readGrpcRule(value: unknown, path: string): GrpcRouteRuleView {
  const r = record(value, path);
  const name = optStr(r.name, `${path}.name`);
  const matches = mapList(r.matches, `${path}.matches`, readGrpcMatch);
  return {
    ...(name === undefined ? {} : { name }),
    matches: matches.length > 0 ? matches : [{ headers: [] }],
    filters: mapList(r.filters, `${path}.filters`, readFilter),
    backendRefs: mapList(r.backendRefs, `${path}.backendRefs`, readBackendRef),
  };
}

export function readGrpcRoute(obj: Plain, defaultNamespace: string): GrpcRouteView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const spec = optRecord(obj.spec, 'spec') ?? {};
  const rules = mapList(spec.rules, 'spec.rules', readGrpcRule);
  return {
    metadata,
    parentRefs: mapList(spec.parentRefs, 'spec.parentRefs', readParentRef),
    hostnames: mapList(spec.hostnames, 'spec.hostnames', str),
    rules: rules.length > 0 ? rules : [{ matches: [{ headers: [] }], filters: [], backendRefs: [] }],
  };
}

export function readReferenceGrant(obj: Plain, defaultNamespace: string): ReferenceGrantView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const spec = record(obj.spec, 'spec');
  return {
    metadata,
    from: mapList(spec.from, 'spec.from', (v, p) => {
      const f = record(v, p);
      return { group: str(f.group, `${p}.group`), kind: str(f.kind, `${p}.kind`), namespace: str(f.namespace, `${p}.namespace`) };
    }),
    to: mapList(spec.to, 'spec.to', (v, p) => {
      const t = record(v, p);
      const name = optStr(t.name, `${p}.name`);
      return { group: str(t.group, `${p}.group`), kind: str(t.kind, `${p}.kind`), ...(name === undefined ? {} : { name }) };
    }),
  };
}
