import { IntegrityError, SchemaMajorError } from './errors.js';
import type { ScopeMeta } from './types.js';

/** Header names of scope messages. Metadata lives in headers so a frame is routed and checked before decoding. */
export const FRAME_HEADERS = {
  schema: 'Weft-Schema',
  kind: 'Weft-Kind',
  cluster: 'Weft-Cluster',
  scope: 'Weft-Scope',
  version: 'Weft-Version',
  hash: 'Weft-Hash',
  baseVersion: 'Weft-Base-Version',
  encoding: 'Weft-Encoding',
  bodySha256: 'Weft-Body-Sha256',
  chunk: 'Weft-Chunk',
} as const;

/** `delta` and `reset` travel on the delta subject, `full` on the full subject. */
export type FrameKind = 'delta' | 'reset' | 'full';
export type BodyEncoding = 'json' | 'json+gzip';

/** Headers of one frame: one message, one chunk of a body. */
export interface FrameHeader {
  readonly kind: FrameKind;
  readonly meta: ScopeMeta;
  readonly encoding: BodyEncoding;
  /** sha256 (hex) of the whole encoded body, all chunks joined. */
  readonly bodySha256: string;
  readonly index: number;
  readonly count: number;
}

const KINDS: readonly string[] = ['delta', 'reset', 'full'];
const ENCODINGS: readonly string[] = ['json', 'json+gzip'];
const SCHEMA = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

export function frameHeaderEntries(frame: FrameHeader): [string, string][] {
  const h = FRAME_HEADERS;
  const entries: [string, string][] = [
    [h.schema, frame.meta.schema],
    [h.kind, frame.kind],
    [h.cluster, frame.meta.cluster],
    [h.scope, frame.meta.scope],
    [h.version, frame.meta.version],
    [h.hash, frame.meta.hash],
  ];
  if (frame.meta.baseVersion !== undefined) entries.push([h.baseVersion, frame.meta.baseVersion]);
  entries.push([h.encoding, frame.encoding], [h.bodySha256, frame.bodySha256], [h.chunk, `${frame.index}/${frame.count}`]);
  return entries;
}

/** Major of a `major.minor` schema string; throws IntegrityError when it is not one. */
export function schemaMajor(schema: string): number {
  const m = SCHEMA.exec(schema);
  if (m === null) throw new IntegrityError(`schema ${JSON.stringify(schema)} is not major.minor`);
  return Number(m[1]);
}

/** Throws SchemaMajorError unless the schema's major is one of `acceptedMajors`. */
export function checkSchema(schema: string, acceptedMajors: readonly number[]): void {
  let major: number;
  try {
    major = schemaMajor(schema);
  } catch {
    throw new SchemaMajorError(schema, acceptedMajors);
  }
  if (!acceptedMajors.includes(major)) throw new SchemaMajorError(schema, acceptedMajors);
}

/**
 * Reads a frame's headers (`get` returns '' for a missing header, as NATS.js does). Check the schema first
 * (`checkSchema`): a future major may lay its headers out differently.
 */
export function readFrameHeader(get: (name: string) => string): FrameHeader {
  const h = FRAME_HEADERS;
  const need = (name: string): string => {
    const value = get(name);
    if (value === '') throw new IntegrityError(`frame header ${name} missing`);
    return value;
  };
  const kind = need(h.kind);
  if (!KINDS.includes(kind)) throw new IntegrityError(`frame kind ${JSON.stringify(kind)} unknown`);
  const encoding = need(h.encoding);
  if (!ENCODINGS.includes(encoding)) throw new IntegrityError(`body encoding ${JSON.stringify(encoding)} unknown`);
  const chunk = /^(0|[1-9][0-9]*)\/([1-9][0-9]*)$/.exec(need(h.chunk));
  const index = Number(chunk?.[1]);
  const count = Number(chunk?.[2]);
  if (chunk === null || index >= count) throw new IntegrityError(`frame chunk ${JSON.stringify(get(h.chunk))} invalid`);
  const baseVersion = get(h.baseVersion);
  if (kind === 'delta' && baseVersion === '') throw new IntegrityError('delta frame without a base version');
  const meta: ScopeMeta = {
    schema: need(h.schema),
    cluster: need(h.cluster),
    scope: need(h.scope),
    version: need(h.version),
    hash: need(h.hash),
    ...(baseVersion === '' ? {} : { baseVersion }),
  };
  return { kind: kind as FrameKind, meta, encoding: encoding as BodyEncoding, bodySha256: need(h.bodySha256), index, count };
}

/** Bytes a NATS header block with these entries takes on the wire (`NATS/1.0\r\n`, `k: v\r\n`…, `\r\n`). */
export function headerBlockBytes(entries: readonly (readonly [string, string])[]): number {
  let n = 'NATS/1.0\r\n\r\n'.length;
  for (const [k, v] of entries) n += Buffer.byteLength(k) + 2 + Buffer.byteLength(v) + 2;
  return n;
}
