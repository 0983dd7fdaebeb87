import { pcrePatternProblem } from './pcre-pattern.js';
import type { ApisixExpr, GrpcRouteMatchView, HeaderMatchView, HttpMethod, HttpRouteMatchView } from '@weft/model';

/** How a match maps onto an APISIX route: uri(s), methods, vars, and its precedence before tie-breaks. */
export interface MatchPlan {
  readonly uri?: string;
  readonly uris?: readonly string[];
  readonly methods?: readonly HttpMethod[];
  readonly vars: readonly ApisixExpr[];
  /** Spec precedence as one integer (higher wins); tie-breaks are added when routes are ranked. */
  readonly precedence: number;
}

export type MatchResult = { readonly ok: true; readonly plan: MatchPlan } | { readonly ok: false; readonly message: string };

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'];
const MAX_PATH = 4095;
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** ` (why)` to append to a message about an unusable pattern; undefined for a usable one. */
function regexProblem(pattern: string): string | undefined {
  const problem = pcrePatternProblem(pattern);
  return problem === undefined ? undefined : ` (${problem})`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function nginxVar(prefix: string, name: string): string {
  return `${prefix}${name.toLowerCase().replace(/-/g, '_')}`;
}

function headerVars(headers: readonly HeaderMatchView[], what: string, prefix: string): ApisixExpr[] | string {
  const vars: ApisixExpr[] = [];
  const seen = new Set<string>();
  for (const h of headers) {
    if (!TOKEN.test(h.name)) return `${what} name "${h.name}" is not a valid token`;
    const name = nginxVar(prefix, h.name);
    // The spec: with repeated names, only the first match counts.
    if (seen.has(name)) continue;
    seen.add(name);
    if (h.type === 'Exact') vars.push([name, '==', h.value]);
    else if (h.type === 'RegularExpression') {
      const problem = regexProblem(h.value);
      if (problem !== undefined) return `${what} "${h.name}" has an invalid regular expression "${h.value}"${problem}`;
      vars.push([name, '~~', h.value]);
    } else return `${what} match type "${h.type}" is not supported`;
  }
  return vars;
}

/**
 * Precedence of the spec, most significant first: path kind (Exact > PathPrefix > RegularExpression), path length,
 * method, number of header matches, number of query matches. 2+13+1+5+5 = 26 bits.
 */
function precedence(kind: number, pathLength: number, method: boolean, headers: number, queries: number): number {
  return (((kind * 8192 + Math.min(pathLength, MAX_PATH)) * 2 + (method ? 1 : 0)) * 32 + Math.min(headers, 31)) * 32 + Math.min(queries, 31);
}

export function planHttpMatch(match: HttpRouteMatchView, base: readonly ApisixExpr[]): MatchResult {
  const path = match.path ?? { type: 'PathPrefix', value: '/' };
  if (!path.value.startsWith('/') && path.type !== 'RegularExpression') return { ok: false, message: `path "${path.value}" must start with "/"` };
  const vars: ApisixExpr[] = [...base];
  let uri: string | undefined;
  let uris: string[] | undefined;
  let kind: number;
  switch (path.type) {
    case 'Exact':
      uri = path.value;
      kind = 2;
      break;
    case 'PathPrefix': {
      // Prefix matches whole segments: "/foo" matches "/foo" and "/foo/x", not "/foobar".
      const trimmed = path.value.replace(/\/+$/, '');
      if (trimmed === '') uri = '/*';
      else uris = [trimmed, `${trimmed}/*`];
      kind = 1;
      break;
    }
    case 'RegularExpression': {
      const problem = regexProblem(path.value);
      if (problem !== undefined) return { ok: false, message: `path has an invalid regular expression "${path.value}"${problem}` };
      uri = '/*';
      vars.push(['uri', '~~', `^(?:${path.value})$`]);
      kind = 0;
      break;
    }
    default:
      return { ok: false, message: `path match type "${path.type}" is not supported` };
  }
  const headers = headerVars(match.headers, 'header', 'http_');
  if (typeof headers === 'string') return { ok: false, message: headers };
  const queries = headerVars(match.queryParams, 'query parameter', 'arg_');
  if (typeof queries === 'string') return { ok: false, message: queries };
  vars.push(...headers, ...queries);
  let methods: HttpMethod[] | undefined;
  if (match.method !== undefined) {
    if (!(METHODS as readonly string[]).includes(match.method)) return { ok: false, message: `method "${match.method}" is not supported` };
    methods = [match.method as HttpMethod];
  }
  return {
    ok: true,
    plan: {
      ...(uri === undefined ? {} : { uri }),
      ...(uris === undefined ? {} : { uris }),
      ...(methods === undefined ? {} : { methods }),
      vars,
      precedence: precedence(kind, path.value.length, methods !== undefined, headers.length, queries.length),
    },
  };
}

const GRPC_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** gRPC calls are `POST /<service>/<method>`; precedence: method given, service length, header matches. */
export function planGrpcMatch(match: GrpcRouteMatchView, base: readonly ApisixExpr[]): MatchResult {
  const vars: ApisixExpr[] = [...base];
  const m = match.method;
  let uri = '/*';
  const service = m?.service;
  const method = m?.method;
  if (m !== undefined) {
    if (m.type === 'Exact') {
      if (service !== undefined && !GRPC_NAME.test(service)) return { ok: false, message: `gRPC service "${service}" is not valid` };
      if (method !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(method)) return { ok: false, message: `gRPC method "${method}" is not valid` };
      if (service !== undefined && method !== undefined) uri = `/${service}/${method}`;
      else if (service !== undefined) uri = `/${service}/*`;
      else if (method !== undefined) vars.push(['uri', '~~', `^/[^/]+/${escapeRegex(method)}$`]);
    } else if (m.type === 'RegularExpression') {
      for (const part of [service, method]) {
        const problem = part === undefined ? undefined : regexProblem(part);
        if (problem !== undefined) return { ok: false, message: `gRPC method match has an invalid regular expression "${part ?? ''}"${problem}` };
      }
      vars.push(['uri', '~~', `^/(?:${service ?? '[^/]+'})/(?:${method ?? '[^/]+'})$`]);
    } else return { ok: false, message: `gRPC method match type "${m.type}" is not supported` };
  }
  const headers = headerVars(match.headers, 'header', 'http_');
  if (typeof headers === 'string') return { ok: false, message: headers };
  vars.push(...headers);
  const exact = m?.type === 'Exact';
  return {
    ok: true,
    plan: {
      uri,
      vars,
      precedence: precedence(exact ? 2 : 1, service?.length ?? 0, method !== undefined, headers.length, 0),
    },
  };
}
