/** Decoding of etcd RangeRequest / WatchCreateRequest from gateway JSON or gRPC objects into store queries. */
import type { RangeQuery, SortOrder, SortTarget, WatchQuery } from './contract.js';
import { InvalidEtcdRequestError } from './errors.js';
import { decodeBool, decodeBytes, decodeInt } from './etcd-json.js';

const SORT_ORDERS: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const SORT_TARGETS: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];

function enumValue<T extends string>(names: readonly T[], value: unknown, field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = typeof value === 'number' ? names[value] : names.find((n) => n === value);
  if (found === undefined) throw new InvalidEtcdRequestError(`invalid value for enum field ${field}`);
  return found;
}

/** A key field: base64 text (gateway JSON) or bytes (gRPC) → latin1 byte string. */
function bytesField(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return decodeBytes(value);
}

function intField(body: Record<string, unknown>, field: string): number {
  try {
    return decodeInt(body[field], field);
  } catch (err) {
    throw new InvalidEtcdRequestError((err as Error).message);
  }
}

export function decodeRangeRequest(body: Record<string, unknown>): RangeQuery {
  const key = bytesField(body['key']);
  if (key === '') throw new InvalidEtcdRequestError('etcdserver: key is not provided');
  return {
    key,
    rangeEnd: bytesField(body['range_end']),
    limit: intField(body, 'limit'),
    revision: intField(body, 'revision'),
    sortOrder: enumValue(SORT_ORDERS, body['sort_order'], 'sort_order'),
    sortTarget: enumValue(SORT_TARGETS, body['sort_target'], 'sort_target'),
    keysOnly: decodeBool(body['keys_only']),
    countOnly: decodeBool(body['count_only']),
    minModRevision: intField(body, 'min_mod_revision'),
    maxModRevision: intField(body, 'max_mod_revision'),
    minCreateRevision: intField(body, 'min_create_revision'),
    maxCreateRevision: intField(body, 'max_create_revision'),
  };
}

export function decodeWatchCreateRequest(body: Record<string, unknown>): WatchQuery {
  const filters = Array.isArray(body['filters']) ? (body['filters'] as unknown[]) : [];
  return {
    key: bytesField(body['key']),
    rangeEnd: bytesField(body['range_end']),
    startRevision: intField(body, 'start_revision'),
    noPut: filters.some((f) => f === 'NOPUT' || f === 0),
    noDelete: filters.some((f) => f === 'NODELETE' || f === 1),
    prevKv: decodeBool(body['prev_kv']),
  };
}
