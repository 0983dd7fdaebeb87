import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkAssembler, decodeBody, encodeBody, sha256Hex, splitChunks } from './codec.js';
import { IntegrityError } from './errors.js';
import type { FrameHeader } from './frame.js';

describe('encodeBody / decodeBody', () => {
  it('keeps small documents as JSON and compresses large ones', async () => {
    const small = await encodeBody({ value: { a: 1 } }, { compressAboveBytes: 100 });
    expect(small.encoding).toBe('json');
    expect(Buffer.from(small.bytes).toString()).toBe('{"a":1}');
    const large = { routes: Array.from({ length: 500 }, (_, i) => ({ id: `r${i}`, uri: '/same/path' })) };
    const packed = await encodeBody({ value: large }, { compressAboveBytes: 100 });
    expect(packed.encoding).toBe('json+gzip');
    expect(packed.bytes.length).toBeLessThan(packed.jsonBytes / 5);
    expect(await decodeBody(packed.encoding, packed.bytes, packed.sha256)).toEqual(large);
  });

  it('does not compress what gzip would make larger', async () => {
    // gzip adds ~20 bytes of framing: a tiny body above the threshold stays JSON.
    const tiny = await encodeBody({ value: 'xy' }, { compressAboveBytes: 0 });
    expect(tiny.encoding).toBe('json');
    expect(tiny.bytes.length).toBe(4);
  });

  it('refuses bodies that do not match their hash, do not gunzip or are not JSON', async () => {
    const body = await encodeBody({ value: { a: 1 } }, { compressAboveBytes: 1000 });
    await expect(decodeBody('json', body.bytes, '0'.repeat(64))).rejects.toThrow(IntegrityError);
    const notGzip = new TextEncoder().encode('plain');
    await expect(decodeBody('json+gzip', notGzip, sha256Hex(notGzip))).rejects.toThrow(/gunzip/);
    const notJson = gzipSync('{oops');
    await expect(decodeBody('json+gzip', notJson, sha256Hex(notJson))).rejects.toThrow(/not JSON/);
  });

  it('refuses documents that are not JSON-serialisable', async () => {
    await expect(encodeBody({ value: undefined }, { compressAboveBytes: 0 })).rejects.toThrow(TypeError);
  });

  it('sends JSON text the caller already has as it is', async () => {
    const body = await encodeBody({ json: '{"b":2,"a":1}' }, { compressAboveBytes: 1000 });
    expect(Buffer.from(body.bytes).toString()).toBe('{"b":2,"a":1}');
    expect(await decodeBody(body.encoding, body.bytes, body.sha256)).toEqual({ b: 2, a: 1 });
  });

  it('reads escaped object keys right even after a parse that would make V8 misread them (nodejs/node#63785)', async () => {
    // The V8 bug: once a `"\\\\"` key was parsed, JSON.parse could decode a later `"\\""` key as `\\`.
    JSON.parse('{"\\\\":1}');
    const document = { '"': 'quote', '\\': 'backslash' };
    const body = await encodeBody({ value: document }, { compressAboveBytes: 1000 });
    const decoded = (await decodeBody(body.encoding, body.bytes, body.sha256)) as Record<string, string>;
    expect(Object.keys(decoded).sort()).toEqual(['"', '\\']);
    expect(decoded['"']).toBe('quote');
  });
});

describe('splitChunks and ChunkAssembler', () => {
  const header = (index: number, count: number, version = '5', sha = 'h'): FrameHeader => ({
    kind: 'full',
    meta: { schema: '1.0', cluster: 'c', scope: 's', version, hash: 'x' },
    encoding: 'json',
    bodySha256: sha,
    index,
    count,
  });

  it('splits into chunks of at most the size and reassembles them byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (bytes, size) => {
        const chunks = splitChunks(bytes, size);
        expect(chunks.length).toBe(Math.max(1, Math.ceil(bytes.length / size)));
        for (const c of chunks) expect(c.length).toBeLessThanOrEqual(size);
        const assembler = new ChunkAssembler();
        let result;
        chunks.forEach((c, i) => {
          result = assembler.add(header(i, chunks.length), c);
        });
        expect(result).toMatchObject({ state: 'complete' });
        expect(Buffer.from((result as unknown as { bytes: Uint8Array }).bytes).equals(Buffer.from(bytes))).toBe(true);
        expect(assembler.pending).toBe(false);
      }),
    );
  });

  it('drops a body that starts mid-way or is interleaved, and starts over on a new first chunk', () => {
    const a = new ChunkAssembler();
    expect(a.add(header(1, 2), new Uint8Array([1]))).toMatchObject({ state: 'broken' });
    expect(a.add(header(0, 3), new Uint8Array([1]))).toEqual({ state: 'pending' });
    // Another version's chunk 1 does not continue version 5's body.
    expect(a.add(header(1, 3, '6'), new Uint8Array([2]))).toMatchObject({ state: 'broken' });
    expect(a.pending).toBe(false);
    // A new first chunk in the middle of a body replaces it.
    expect(a.add(header(0, 2, '7'), new Uint8Array([7]))).toEqual({ state: 'pending' });
    expect(a.add(header(0, 1, '8'), new Uint8Array([8]))).toMatchObject({ state: 'complete', header: { meta: { version: '8' } } });
  });

  it('refuses a zero chunk size', () => {
    expect(() => splitChunks(new Uint8Array(3), 0)).toThrow(RangeError);
    expect(splitChunks(new Uint8Array(0), 10)).toHaveLength(1);
  });
});
