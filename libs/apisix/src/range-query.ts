import type { KeyValue, RangeQuery, RangeResult, SortTarget } from './contract.js';

const EMPTY = Buffer.alloc(0);

/** Index of the first key >= `key` in ascending `keys`. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] ?? '') < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The key-values of `query`'s range, ascending by key, from a sorted key list and a lookup. */
export function selectRange(
  keys: readonly string[],
  lookup: (key: string) => KeyValue | undefined,
  query: { readonly key: string; readonly rangeEnd?: string },
): KeyValue[] {
  const { key, rangeEnd } = query;
  if (rangeEnd === undefined || rangeEnd === '') {
    const kv = lookup(key);
    return kv === undefined ? [] : [kv];
  }
  const out: KeyValue[] = [];
  for (let i = lowerBound(keys, key); i < keys.length; i++) {
    const k = keys[i] ?? '';
    if (rangeEnd !== '\0' && k >= rangeEnd) break;
    const kv = lookup(k);
    if (kv !== undefined) out.push(kv);
  }
  return out;
}

/** etcd's RangeRequest semantics over the matched key-values (ascending by key): filters, sort, limit, count. */
export function finishRange(matched: readonly KeyValue[], query: RangeQuery, revision: number): RangeResult {
  const count = matched.length;
  let kvs = matched.filter(
    (kv) =>
      (!query.minModRevision || kv.modRevision >= query.minModRevision) &&
      (!query.maxModRevision || kv.modRevision <= query.maxModRevision) &&
      (!query.minCreateRevision || kv.createRevision >= query.minCreateRevision) &&
      (!query.maxCreateRevision || kv.createRevision <= query.maxCreateRevision),
  );
  const target = query.sortTarget ?? 'KEY';
  // etcd: no order with a non-key target means ascending; keys are already ascending.
  const order = query.sortOrder === undefined || query.sortOrder === 'NONE' ? (target === 'KEY' ? 'NONE' : 'ASCEND') : query.sortOrder;
  if (order !== 'NONE' && !(order === 'ASCEND' && target === 'KEY')) {
    const cmp = comparator(target);
    kvs = [...kvs].sort(order === 'ASCEND' ? cmp : (a, b) => cmp(b, a));
  }
  let more = false;
  if (query.limit !== undefined && query.limit > 0 && kvs.length > query.limit) {
    kvs = kvs.slice(0, query.limit);
    more = true;
  }
  if (query.countOnly) return { revision, kvs: [], count, more };
  if (query.keysOnly) kvs = kvs.map((kv) => ({ key: kv.key, value: EMPTY, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version }));
  return { revision, kvs, count, more };
}

function comparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY':
      return (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    case 'VERSION':
      return (a, b) => a.version - b.version;
    case 'CREATE':
      return (a, b) => a.createRevision - b.createRevision;
    case 'MOD':
      return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE':
      return (a, b) => Buffer.compare(a.value, b.value);
  }
}
