/**
 * Canonical JSON: object keys sorted (UTF-16 code unit order) at every depth, no whitespace, numbers and strings
 * as `JSON.stringify` writes them. Two values have the same encoding iff they are the same JSON document, which
 * is what makes the content hash mean "equal config".
 */

/** A value that has no JSON form (undefined in an array, NaN, a function, a bigint, a cycle, a class instance…). */
export class CanonicalEncodingError extends Error {
  override readonly name = 'CanonicalEncodingError';
  /** JSON path of the offending value, e.g. `$.routes[3].plugins`. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

/** Deeper than this is taken for a cycle: no APISIX resource nests anywhere near it. */
const MAX_DEPTH = 256;

/** Encode `value` canonically. Object properties whose value is `undefined` are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return encode(value, [], 0);
}

// Hot path: it encodes every resource of a 10,000-Service scope, so it builds strings directly and keeps the
// JSON path as a stack that is only formatted when something fails.
type PathStack = (string | number)[];

function encode(value: unknown, path: PathStack, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${String(value)} has no JSON form`);
      // As JSON.stringify: -0 as 0, otherwise the shortest form that reads back the same.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      return Array.isArray(value) ? encodeArray(value, path, depth) : encodeObject(value, path, depth);
    default:
      return fail(path, `${typeof value} has no JSON form`);
  }
}

function encodeArray(list: readonly unknown[], path: PathStack, depth: number): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    path.push(i);
    // A hole reads as undefined; JSON.stringify would silently write null for both. Refuse them.
    if (item === undefined) fail(path, 'undefined in an array');
    out += i === 0 ? encode(item, path, depth + 1) : `,${encode(item, path, depth + 1)}`;
    path.pop();
  }
  return `${out}]`;
}

function encodeObject(value: object, path: PathStack, depth: number): string {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) fail(path, 'not a plain object');
  const record = value as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    path.push(key);
    out += `${first ? '' : ','}${quotedKey(key)}${encode(field, path, depth + 1)}`;
    path.pop();
    first = false;
  }
  return `${out}}`;
}

/**
 * A plain-data copy of `value` with every object's keys in canonical (sorted) order and undefined properties left
 * out, so `canonicalJson(copy) === canonicalJson(value)`. Refuses what `canonicalJson` refuses, with the same errors.
 * Built by walking the value, not by `JSON.parse(canonicalJson(value))`: V8's JSON.parse can decode an escaped
 * object key wrongly (`"\""` read back as `"\\"` once a `"\\"` key was seen; nodejs/node#63785), which made a
 * snapshot hold other data than its hash covers.
 */
export function canonicalCopy<T>(value: T): T {
  return copy(value, [], 0) as T;
}

function copy(value: unknown, path: PathStack, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${String(value)} has no JSON form`);
      // -0 has no JSON form of its own: it is written, and so read back, as 0.
      return value === 0 ? 0 : value;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      return Array.isArray(value) ? copyArray(value, path, depth) : copyObject(value, path, depth);
    default:
      return fail(path, `${typeof value} has no JSON form`);
  }
}

function copyArray(list: readonly unknown[], path: PathStack, depth: number): unknown[] {
  const out: unknown[] = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    path.push(i);
    if (item === undefined) fail(path, 'undefined in an array');
    out[i] = copy(item, path, depth + 1);
    path.pop();
  }
  return out;
}

function copyObject(value: object, path: PathStack, depth: number): Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) fail(path, 'not a plain object');
  const record = value as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    path.push(key);
    const item = copy(field, path, depth + 1);
    // Assigning `__proto__` would set the prototype instead of making a data property, as JSON.parse does.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
    path.pop();
  }
  return out;
}

/** Field names repeat across resources (`id`, `nodes`, `host`…): quote each once. Bounded, as keys can be data. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function fail(path: PathStack, reason: string): never {
  const where = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
  throw new CanonicalEncodingError(`$${where}`, reason);
}
