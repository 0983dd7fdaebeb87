import { InvalidVersionError } from './errors.js';

const MAX_VERSION = (1n << 64n) - 1n;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A 64-bit snapshot version, as bigint or decimal string, to its canonical decimal string. */
export function normalizeVersion(version: bigint | string): string {
  let value: bigint;
  if (typeof version === 'bigint') value = version;
  else if (typeof version === 'string' && DECIMAL.test(version)) value = BigInt(version);
  else throw new InvalidVersionError(version);
  if (value < 0n || value > MAX_VERSION) throw new InvalidVersionError(version);
  return value.toString(10);
}

/** Order of two versions (numeric, not lexical: "9" < "10"). */
export function compareVersions(a: bigint | string, b: bigint | string): -1 | 0 | 1 {
  const x = BigInt(normalizeVersion(a));
  const y = BigInt(normalizeVersion(b));
  return x < y ? -1 : x > y ? 1 : 0;
}
