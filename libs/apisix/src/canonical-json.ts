/**
 * JSON text with object keys sorted, so equal values always give equal bytes: an unchanged resource keeps its
 * mod_revision even if the producer reordered its fields. (A key-sorted copy through the native JSON.stringify is
 * faster than a hand-written serializer.)
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

const cache = new WeakMap<object, string>();

/**
 * canonicalJson of a resource object, remembered per object: snapshots are immutable and a delta keeps the
 * unchanged items' objects, so re-applying a 10,000-service state only encodes what changed.
 */
export function canonicalJsonCached(item: object): string {
  let text = cache.get(item);
  if (text === undefined) {
    text = canonicalJson(item);
    cache.set(item, text);
  }
  return text;
}
