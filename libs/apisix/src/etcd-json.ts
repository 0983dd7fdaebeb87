/**
 * etcd v3 grpc-gateway JSON encoding (contract §1.3, checked against etcd 3.6.16): snake_case, int64/uint64 as
 * decimal strings, bytes as base64, fields with zero values omitted (empty `kvs`, `count` 0, `more` false,
 * PUT's `type`, a DELETE's `value`/`create_revision`/`version`).
 */
import type { EtcdIdentity, KeyValue, RangeResult, StoreEvent } from './contract.js';

export type JsonObject = Record<string, unknown>;

export function headerJson(identity: EtcdIdentity, revision: number | undefined): JsonObject {
  const header: JsonObject = { cluster_id: identity.clusterId, member_id: identity.memberId };
  if (revision !== undefined && revision !== 0) header['revision'] = String(revision);
  header['raft_term'] = identity.raftTerm;
  return header;
}

export function keyValueJson(kv: KeyValue): JsonObject {
  const out: JsonObject = { key: Buffer.from(kv.key, 'latin1').toString('base64') };
  if (kv.createRevision !== 0) out['create_revision'] = String(kv.createRevision);
  if (kv.modRevision !== 0) out['mod_revision'] = String(kv.modRevision);
  if (kv.version !== 0) out['version'] = String(kv.version);
  const value = kv.value;
  if (value.length > 0) out['value'] = value.toString('base64');
  return out;
}

export function rangeResponseJson(identity: EtcdIdentity, result: RangeResult): JsonObject {
  const out: JsonObject = { header: headerJson(identity, result.revision) };
  if (result.kvs.length > 0) out['kvs'] = result.kvs.map(keyValueJson);
  if (result.more) out['more'] = true;
  if (result.count !== 0) out['count'] = String(result.count);
  return out;
}

export function eventJson(event: StoreEvent): JsonObject {
  const out: JsonObject = {};
  if (event.type === 'DELETE') out['type'] = 'DELETE';
  out['kv'] = keyValueJson(event.kv);
  if (event.prevKv !== undefined) out['prev_kv'] = keyValueJson(event.prevKv);
  return out;
}

/** grpc-gateway v2 error body; `error` repeats `message` for clients written against the v1 gateway (etcd <= 3.5). */
export function errorJson(code: number, message: string): JsonObject {
  return { error: message, code, message };
}

/** Base64 → latin1 byte string; absent → ''. */
export function decodeBytes(value: unknown): string {
  if (typeof value !== 'string') return '';
  return Buffer.from(value, 'base64').toString('latin1');
}

/** int64 given as JSON number or decimal string (grpc-gateway accepts both); absent → 0. */
export function decodeInt(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new TypeError(`invalid value for field ${field}`);
  return Math.trunc(n);
}

export function decodeBool(value: unknown): boolean {
  return value === true || value === 'true';
}
