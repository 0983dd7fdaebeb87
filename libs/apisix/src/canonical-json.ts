import { canonicalJson } from '@weft/snapshot';

const cache = new WeakMap<object, string>();

/**
 * The canonical encoding (libs/snapshot) of a resource object, remembered per object: snapshots are immutable and a
 * delta keeps the unchanged items' objects, so re-applying a 10,000-service state only encodes what changed, and an
 * unchanged resource keeps its mod_revision even if the producer reordered its fields.
 */
export function canonicalJsonCached(item: object): string {
  let text = cache.get(item);
  if (text === undefined) {
    text = canonicalJson(item);
    cache.set(item, text);
  }
  return text;
}

