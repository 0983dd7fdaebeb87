import { isIPv4, isIPv6 } from 'node:net';
import { APISIX_ID_PATTERN } from '@weft/model';
import type { ApisixKind } from '@weft/model';
import type { SnapshotProblem, SnapshotProblemCode } from '../problems.js';

/** Records one problem at `field` (a path relative to the resource, e.g. `nodes[0].port`). */
export type Report = (code: SnapshotProblemCode, field: string, message: string) => void;

export function reporter(kind: ApisixKind, id: string, problems: SnapshotProblem[]): Report {
  return (code, field, message) => {
    problems.push({ code, kind, id, path: `${kind}[${id}]${field === '' ? '' : `.${field}`}`, message });
  };
}

export type Fields = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** additionalProperties:false */
export function checkKnownFields(report: Report, prefix: string, value: Fields, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) report('unknown_field', join(prefix, key), `field "${key}" is not allowed here`);
  }
}

export function join(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

/** Runs `check` only when the field is present. */
export function optional(value: Fields, field: string, check: (value: unknown) => void): void {
  if (value[field] !== undefined) check(value[field]);
}

export function checkRecord(report: Report, field: string, value: unknown): value is Fields {
  if (isRecord(value)) return true;
  report('invalid_value', field, 'must be an object');
  return false;
}

export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** What the pattern means, for the message. */
  readonly shape?: string;
}

export function checkString(report: Report, field: string, value: unknown, rule: StringRule = {}): value is string {
  if (typeof value !== 'string') {
    report('invalid_value', field, 'must be a string');
    return false;
  }
  if (rule.min !== undefined && value.length < rule.min) {
    report('invalid_value', field, `must be at least ${rule.min} characters`);
    return false;
  }
  if (rule.max !== undefined && value.length > rule.max) {
    report('invalid_value', field, `must be at most ${rule.max} characters`);
    return false;
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    report('invalid_value', field, `${JSON.stringify(value)} is not ${rule.shape ?? `matching ${String(rule.pattern)}`}`);
    return false;
  }
  return true;
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Must be strictly greater than this. */
  readonly above?: number;
}

export function checkNumber(report: Report, field: string, value: unknown, rule: NumberRule = {}): value is number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above);
  if (!ok) {
    const bounds = [
      rule.min === undefined ? '' : `>= ${rule.min}`,
      rule.above === undefined ? '' : `> ${rule.above}`,
      rule.max === undefined ? '' : `<= ${rule.max}`,
    ].filter((b) => b !== '');
    const what = rule.integer === true ? 'an integer' : 'a number';
    report('invalid_value', field, `must be ${what}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}`);
  }
  return ok;
}

export function checkEnum(report: Report, field: string, value: unknown, allowed: readonly unknown[]): boolean {
  if (allowed.includes(value)) return true;
  report('invalid_value', field, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  return false;
}

export function checkBoolean(report: Report, field: string, value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  report('invalid_value', field, 'must be a boolean');
  return false;
}

export interface ArrayRule {
  readonly minItems?: number;
  readonly unique?: boolean;
}

/** Checks the list itself, then `item` for each element. */
export function checkArray(
  report: Report,
  field: string,
  value: unknown,
  rule: ArrayRule,
  item: (itemField: string, itemValue: unknown) => void,
): void {
  if (!Array.isArray(value)) {
    report('invalid_value', field, 'must be a list');
    return;
  }
  const items: readonly unknown[] = value;
  if (rule.minItems !== undefined && items.length < rule.minItems) {
    report('invalid_value', field, `must have at least ${rule.minItems} item(s)`);
  }
  if (rule.unique === true && items.length > 1) {
    // Strings (hosts, uris, methods: the usual case) compare as they are; other items by their JSON.
    const strings = new Set<string>();
    const others = new Set<string>();
    for (const element of items) {
      const [seen, key] = typeof element === 'string' ? [strings, element] : [others, JSON.stringify(element)];
      if (seen.has(key)) report('invalid_value', field, `has duplicate item ${JSON.stringify(element)}`);
      seen.add(key);
    }
  }
  items.forEach((element, i) => {
    item(`${field}[${i}]`, element);
  });
}

export function checkId(report: Report, field: string, value: unknown): boolean {
  return checkString(report, field, value, { pattern: APISIX_ID_PATTERN, shape: 'an APISIX id (1-64 of [a-zA-Z0-9-_.])' });
}

/** `*` alone, or an optional leading `*` then host characters (IPv6 in brackets allowed). */
const HOST_PATTERN = /^(\*|\*?[0-9a-zA-Z._[\]:-]+)$/;

export function checkHost(report: Report, field: string, value: unknown): boolean {
  return checkString(report, field, value, { pattern: HOST_PATTERN, shape: 'a host name' });
}

/** IPv4, IPv6, or either in CIDR notation. */
export function checkIpOrCidr(report: Report, field: string, value: unknown): boolean {
  if (!checkString(report, field, value)) return false;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  const prefixOk =
    prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  if (family === 0 || !prefixOk || rest.length > 0) {
    report('invalid_value', field, `${JSON.stringify(value)} is not an IP address or CIDR`);
    return false;
  }
  return true;
}

/** Common metadata of routes, upstreams, plugin_configs, stream_routes. */
export function checkMetadata(report: Report, resource: Fields): void {
  optional(resource, 'name', (v) => checkString(report, 'name', v, { min: 1, max: 256 }));
  optional(resource, 'desc', (v) => checkString(report, 'desc', v, { max: 256 }));
  optional(resource, 'labels', (labels) => {
    if (!checkRecord(report, 'labels', labels)) return;
    for (const [key, value] of Object.entries(labels)) {
      checkString(report, `labels.${key}`, value, { min: 1, max: 256, pattern: /^\S+$/, shape: 'a label value without spaces' });
    }
  });
}

/** `{connect, send, read}`, all required, seconds > 0. */
export function checkTimeout(report: Report, field: string, value: unknown): void {
  if (!checkRecord(report, field, value)) return;
  for (const part of ['connect', 'send', 'read']) {
    if (value[part] === undefined) report('missing_field', join(field, part), `${part} is required`);
    else checkNumber(report, join(field, part), value[part], { above: 0 });
  }
}

/** A plugins map: each entry is that plugin's config object. */
export function checkPlugins(report: Report, field: string, value: unknown): void {
  if (!checkRecord(report, field, value)) return;
  for (const [name, conf] of Object.entries(value)) {
    if (!isRecord(conf)) report('invalid_value', join(field, name), 'plugin config must be an object');
  }
}

export function checkStatus(report: Report, field: string, value: unknown): void {
  checkEnum(report, field, value, [0, 1]);
}

export function checkRequired(report: Report, resource: Fields, fields: readonly string[]): void {
  for (const field of fields) {
    if (resource[field] === undefined) report('missing_field', field, `${field} is required`);
  }
}
