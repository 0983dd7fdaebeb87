/** Typed readers for untrusted plain objects: each throws MalformedObjectError naming the field path. */

export class MalformedObjectError extends Error {
  override readonly name = 'MalformedObjectError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export type Plain = Readonly<Record<string, unknown>>;

export function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, path: string): Plain {
  if (!isPlain(value)) throw new MalformedObjectError(path, 'must be an object');
  return value;
}

export function optRecord(value: unknown, path: string): Plain | undefined {
  return value === undefined || value === null ? undefined : record(value, path);
}

export function list(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedObjectError(path, 'must be a list');
  return value as readonly unknown[];
}

export function str(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new MalformedObjectError(path, 'must be a string');
  return value;
}

export function optStr(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, path);
}

export function int(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new MalformedObjectError(path, 'must be an integer');
  return value;
}

export function optInt(value: unknown, path: string): number | undefined {
  return value === undefined || value === null ? undefined : int(value, path);
}

export function optBool(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new MalformedObjectError(path, 'must be a boolean');
  return value;
}

export function portNumber(value: unknown, path: string): number {
  const port = int(value, path);
  if (port < 1 || port > 65535) throw new MalformedObjectError(path, 'must be a port number (1-65535)');
  return port;
}

export function stringMap(value: unknown, path: string): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  const input = record(value, path);
  const out: Record<string, string> = {};
  for (const key of Object.keys(input).sort()) out[key] = str(input[key], `${path}.${key}`);
  return out;
}

export function mapList<T>(value: unknown, path: string, read: (item: unknown, path: string) => T): T[] {
  return list(value, path).map((item, i) => read(item, `${path}[${i}]`));
}
