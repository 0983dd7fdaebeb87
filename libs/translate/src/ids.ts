import { APISIX_ID_PATTERN } from '@weft/model';

const MAX_ID = 64;
const HASH_LEN = 12;

/** FNV-1a over UTF-16 code units, two lanes → 12 hex chars: a short, stable digest (not a security hash). */
export function shortHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2 * i + 1) >>> 0;
  }
  return (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).slice(0, HASH_LEN);
}

/**
 * APISIX id from Kubernetes identity parts, joined with '.'. Characters APISIX refuses become '_'; an id that is too
 * long keeps its head and ends in a hash of the whole, so equal inputs give equal ids and distinct ones stay distinct.
 */
export function resourceId(...parts: readonly (string | number)[]): string {
  const joined = parts.join('.');
  const safe = joined.replace(/[^a-zA-Z0-9._-]/g, '_');
  const id = safe === joined && safe.length <= MAX_ID ? safe : `${safe.slice(0, MAX_ID - HASH_LEN - 1)}-${shortHash(joined)}`;
  return APISIX_ID_PATTERN.test(id) ? id : `x-${shortHash(joined)}`;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return compareStrings(a.id, b.id);
}

/** APISIX `name`/`desc` hold at most 256 characters. */
export function resourceName(text: string): string {
  return text.length <= 256 ? text : `${text.slice(0, 243)}…${shortHash(text)}`;
}
