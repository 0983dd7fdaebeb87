import { describe, expect, it } from 'vitest';
import { IntegrityError, SchemaMajorError } from './errors.js';
import { checkSchema, FRAME_HEADERS, frameHeaderEntries, headerBlockBytes, readFrameHeader, schemaMajor } from './frame.js';
import type { FrameHeader } from './frame.js';

const frame: FrameHeader = {
  kind: 'delta',
  meta: { schema: '1.0', cluster: 'c1', scope: 's', version: '12', hash: 'abc', baseVersion: '9' },
  encoding: 'json+gzip',
  bodySha256: 'f'.repeat(64),
  index: 1,
  count: 3,
};

function getter(entries: [string, string][]): (name: string) => string {
  const m = new Map(entries);
  return (name) => m.get(name) ?? '';
}

describe('frame headers', () => {
  it('round-trip through header entries', () => {
    expect(readFrameHeader(getter(frameHeaderEntries(frame)))).toEqual(frame);
    const full: FrameHeader = { ...frame, kind: 'full', meta: { ...frame.meta, baseVersion: undefined }, index: 0, count: 1 };
    const { baseVersion: _b, ...metaWithout } = frame.meta;
    expect(readFrameHeader(getter(frameHeaderEntries({ ...full, meta: metaWithout })))).toEqual({ ...full, meta: metaWithout });
  });

  it('refuses malformed frames with IntegrityError', () => {
    const entries = frameHeaderEntries(frame);
    const without = (name: string) => entries.filter(([k]) => k !== name);
    const replace = (name: string, value: string) => entries.map(([k, v]): [string, string] => [k, k === name ? value : v]);
    expect(() => readFrameHeader(getter(without(FRAME_HEADERS.version)))).toThrow(IntegrityError);
    expect(() => readFrameHeader(getter(without(FRAME_HEADERS.baseVersion)))).toThrow(/base version/);
    expect(() => readFrameHeader(getter(replace(FRAME_HEADERS.kind, 'patch')))).toThrow(/kind/);
    expect(() => readFrameHeader(getter(replace(FRAME_HEADERS.encoding, 'brotli')))).toThrow(/encoding/);
    expect(() => readFrameHeader(getter(replace(FRAME_HEADERS.chunk, '3/3')))).toThrow(/chunk/);
    expect(() => readFrameHeader(getter(replace(FRAME_HEADERS.chunk, '1/0')))).toThrow(/chunk/);
  });

  it('checks schema majors', () => {
    expect(schemaMajor('1.7')).toBe(1);
    expect(() => {
      checkSchema('1.9', [1]);
    }).not.toThrow();
    for (const bad of ['2.0', '', 'v1']) {
      expect(() => {
        checkSchema(bad, [1]);
      }).toThrow(SchemaMajorError);
    }
    expect(() => schemaMajor('1')).toThrow(IntegrityError);
  });

  it('counts header block bytes as NATS sends them', () => {
    expect(headerBlockBytes([])).toBe('NATS/1.0\r\n\r\n'.length);
    expect(headerBlockBytes([['A', 'bc']])).toBe('NATS/1.0\r\nA: bc\r\n\r\n'.length);
  });
});
