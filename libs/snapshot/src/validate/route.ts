import type { Fields, Report } from './fields.js';
import {
  checkArray,
  checkBoolean,
  checkEnum,
  checkHost,
  checkId,
  checkIpOrCidr,
  checkKnownFields,
  checkMetadata,
  checkNumber,
  checkPlugins,
  checkStatus,
  checkString,
  checkTimeout,
  optional,
} from './fields.js';

const ROUTE_FIELDS = new Set([
  'id', 'name', 'desc', 'labels', 'uri', 'uris', 'host', 'hosts', 'remote_addrs', 'methods', 'priority', 'vars',
  'plugins', 'plugin_config_id', 'upstream_id', 'timeout', 'enable_websocket', 'status',
]);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'PURGE'];
const LOGICAL_OPERATORS = ['AND', 'OR', '!AND', '!OR'];
const URI = { min: 1, max: 4096 };

export function validateRoute(report: Report, route: Fields): void {
  checkKnownFields(report, '', route, ROUTE_FIELDS);
  checkMetadata(report, route);

  const hasUri = route['uri'] !== undefined;
  const hasUris = route['uris'] !== undefined;
  if (hasUri === hasUris) {
    report(hasUri ? 'conflicting_fields' : 'missing_field', hasUri ? 'uris' : 'uri', 'exactly one of uri and uris is required');
  }
  optional(route, 'uri', (v) => checkString(report, 'uri', v, URI));
  optional(route, 'uris', (v) => {
    checkArray(report, 'uris', v, { minItems: 1, unique: true }, (f, item) => checkString(report, f, item, URI));
  });

  if (route['host'] !== undefined && route['hosts'] !== undefined) {
    report('conflicting_fields', 'hosts', 'host and hosts exclude each other');
  }
  optional(route, 'host', (v) => checkHost(report, 'host', v));
  optional(route, 'hosts', (v) => {
    checkArray(report, 'hosts', v, { minItems: 1, unique: true }, (f, item) => checkHost(report, f, item));
  });
  optional(route, 'remote_addrs', (v) => {
    checkArray(report, 'remote_addrs', v, { minItems: 1, unique: true }, (f, item) => checkIpOrCidr(report, f, item));
  });
  optional(route, 'methods', (v) => {
    checkArray(report, 'methods', v, { unique: true }, (f, item) => checkEnum(report, f, item, HTTP_METHODS));
  });
  optional(route, 'priority', (v) => checkNumber(report, 'priority', v, { integer: true }));
  optional(route, 'vars', (v) => {
    checkVars(report, 'vars', v);
  });

  if (route['plugins'] === undefined && route['upstream_id'] === undefined) {
    report('missing_field', 'upstream_id', 'a route needs plugins or upstream_id');
  }
  optional(route, 'plugins', (v) => {
    checkPlugins(report, 'plugins', v);
  });
  optional(route, 'plugin_config_id', (v) => checkId(report, 'plugin_config_id', v));
  optional(route, 'upstream_id', (v) => checkId(report, 'upstream_id', v));
  optional(route, 'timeout', (v) => {
    checkTimeout(report, 'timeout', v);
  });
  optional(route, 'enable_websocket', (v) => checkBoolean(report, 'enable_websocket', v));
  optional(route, 'status', (v) => {
    checkStatus(report, 'status', v);
  });
}

/**
 * lua-resty-expr: a list of terms, optionally led by a logical operator; a term is `[var, op, value]`,
 * `[var, '!', op, value]` or a nested expression. The operators are checked by APISIX at load; here only shape.
 */
export function checkVars(report: Report, field: string, value: unknown): void {
  if (!Array.isArray(value)) {
    report('invalid_value', field, 'must be a list of expressions');
    return;
  }
  const items: readonly unknown[] = value;
  items.forEach((item, i) => {
    const itemField = `${field}[${i}]`;
    if (i === 0 && typeof item === 'string') {
      if (!LOGICAL_OPERATORS.includes(item)) report('invalid_value', itemField, `unknown logical operator ${item}`);
      return;
    }
    if (!Array.isArray(item)) {
      report('invalid_value', itemField, 'must be an expression (a list)');
      return;
    }
    const term: readonly unknown[] = item;
    // A leaf starts with its variable name; anything else is a nested expression.
    if (typeof term[0] === 'string' && !LOGICAL_OPERATORS.includes(term[0])) {
      if (term.length < 2 || term.length > 4) report('invalid_value', itemField, 'a term is [var, op, value]');
    } else {
      checkVars(report, itemField, term);
    }
  });
}
