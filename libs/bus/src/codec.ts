import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { parseJsonText } from '@weft/snapshot';
import { IntegrityError } from './errors.js';
import type { BodyEncoding, FrameHeader } from './frame.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A document as it travels: JSON, gzip-compressed when large, with the hash of the bytes sent. */
export interface EncodedBody {
  readonly encoding: BodyEncoding;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** Length of the JSON before compression. */
  readonly jsonBytes: number;
}

export interface EncodeOptions {
  /** Compress when the JSON is larger than this (and compression makes it smaller). */
  readonly compressAboveBytes: number;
}

/** Decompressed bodies larger than this are refused (a gzip bomb, or a document no agent should hold). */
export const MAX_DECODED_BYTES = 512 * 1024 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A document to send: the value, or its JSON text when the caller already has it (sent as it is). */
export type DocumentSource = { readonly value: unknown } | { readonly json: string };

export async function encodeBody(source: DocumentSource, options: EncodeOptions): Promise<EncodedBody> {
  const text = 'json' in source ? source.json : (JSON.stringify(source.value) as string | undefined);
  if (typeof text !== 'string') throw new TypeError('document is not JSON-serialisable');
  const json = Buffer.from(text, 'utf8');
  let encoding: BodyEncoding = 'json';
  let bytes: Uint8Array = json;
  if (json.length > options.compressAboveBytes) {
    // Off the main thread (libuv pool): a 10 MB snapshot must not stall the event loop.
    const packed = await gzipAsync(json);
    if (packed.length < json.length) {
      encoding = 'json+gzip';
      bytes = packed;
    }
  }
  return { encoding, bytes, sha256: sha256Hex(bytes), jsonBytes: json.length };
}

/**
 * Checks the hash of the joined chunks, decompresses and parses (or, with `asText`, returns the JSON text for the
 * caller to read). Throws IntegrityError on any mismatch.
 */
export async function decodeBody(encoding: BodyEncoding, bytes: Uint8Array, expectedSha256: string, options: { readonly asText?: boolean } = {}): Promise<unknown> {
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw new IntegrityError(`body sha256 ${actual} does not match the announced ${expectedSha256}`);
  }
  let json: Uint8Array = bytes;
  if (encoding === 'json+gzip') {
    try {
      json = await gunzipAsync(bytes, { maxOutputLength: MAX_DECODED_BYTES });
    } catch (err) {
      throw new IntegrityError('body does not gunzip', { cause: err });
    }
  }
  const text = Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  if (options.asText === true) return text;
  try {
    // Not JSON.parse: V8 can misread an escaped object key after an earlier parse (nodejs/node#63785).
    return parseJsonText(text);
  } catch (err) {
    throw new IntegrityError('body is not JSON', { cause: err });
  }
}

/** Splits bytes into chunks of at most `maxChunkBytes`; always at least one (possibly empty) chunk. */
export function splitChunks(bytes: Uint8Array, maxChunkBytes: number): Uint8Array[] {
  if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < 1) throw new RangeError(`chunk size ${maxChunkBytes} invalid`);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += maxChunkBytes) chunks.push(bytes.subarray(at, at + maxChunkBytes));
  if (chunks.length === 0) chunks.push(bytes.subarray(0, 0));
  return chunks;
}

export type AssembleResult =
  | { readonly state: 'complete'; readonly header: FrameHeader; readonly bytes: Uint8Array }
  | { readonly state: 'pending' }
  /** The frame does not continue the body being assembled (or starts mid-body): what was held is dropped. */
  | { readonly state: 'broken'; readonly reason: string };

/**
 * Joins the chunks of one body, which arrive in order and back to back (they are written in one atomic batch).
 * Anything else (a missing chunk, another version in between, a body starting mid-way because retention
 * trimmed its head) breaks the body; the caller treats it as a gap.
 */
export class ChunkAssembler {
  #header: FrameHeader | undefined;
  #parts: Uint8Array[] = [];

  add(header: FrameHeader, data: Uint8Array): AssembleResult {
    const held = this.#header;
    if (held !== undefined && !continues(held, header, this.#parts.length)) {
      this.reset();
      return header.index === 0 ? this.add(header, data) : { state: 'broken', reason: 'chunks interleaved' };
    }
    if (held === undefined && header.index !== 0) {
      return { state: 'broken', reason: `body starts at chunk ${header.index}/${header.count}` };
    }
    this.#header = header;
    this.#parts.push(data);
    if (this.#parts.length < header.count) return { state: 'pending' };
    const [only] = this.#parts;
    const bytes = this.#parts.length === 1 && only !== undefined ? only : Buffer.concat(this.#parts);
    this.reset();
    return { state: 'complete', header, bytes };
  }

  /** True while a body is half assembled. */
  get pending(): boolean {
    return this.#header !== undefined;
  }

  reset(): void {
    this.#header = undefined;
    this.#parts = [];
  }
}

function continues(held: FrameHeader, next: FrameHeader, have: number): boolean {
  return (
    next.index === have &&
    next.count === held.count &&
    next.kind === held.kind &&
    next.meta.version === held.meta.version &&
    next.bodySha256 === held.bodySha256
  );
}
