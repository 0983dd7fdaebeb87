import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalEncodingError, canonicalCopy, canonicalJson } from './canonical.js';
import { parseJsonText } from './json-text.js';

/** The same JSON value with every object's keys in reverse insertion order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  }
  return value;
}

/** The same JSON value with every object's keys shuffled by `order`. */
function shuffleKeys(value: unknown, order: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, order));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, order), order()] as const);
    entries.sort((a, b) => a[2] - b[2]);
    return Object.fromEntries(entries.map(([k, v]) => [k, v]));
  }
  return value;
}

/** `[1, <hole>, 3]` */
function holey(): number[] {
  const list: number[] = [];
  list[0] = 1;
  list[2] = 3;
  return list;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, upper case before lower case', () => {
    expect(canonicalJson({ b: 0, B: 0, a: 0, _: 0, '10': 0, '9': 0 })).toBe('{"10":0,"9":0,"B":0,"_":0,"a":0,"b":0}');
  });

  it('writes numbers and strings as JSON does, -0 as 0', () => {
    expect(canonicalJson([-0, 1e21, 0.1, 'é"\n\u2028'])).toBe(JSON.stringify([0, 1e21, 0.1, 'é"\n\u2028']));
  });

  it('leaves out object fields that are undefined', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['undefined at the top', undefined, '$'],
    ['undefined in an array', { a: [1, undefined] }, '$.a[1]'],
    ['a hole in an array', { a: holey() }, '$.a[1]'],
    ['NaN', { n: Number.NaN }, '$.n'],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a bigint', { v: 1n }, '$.v'],
    ['a symbol', { s: Symbol('x') }, '$.s'],
    ['a Date', { d: new Date(0) }, '$.d'],
    ['a Map', { m: new Map() }, '$.m'],
  ])('refuses %s with a typed error naming the path', (_what, value, path) => {
    const fail = (): string => canonicalJson(value);
    expect(fail).toThrow(CanonicalEncodingError);
    try {
      fail();
    } catch (error) {
      expect((error as CanonicalEncodingError).path).toBe(path);
      expect((error as CanonicalEncodingError).name).toBe('CanonicalEncodingError');
    }
  });

  it('refuses cycles but accepts a shared child seen twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['k'] = 'v';
    expect(canonicalJson(bare)).toBe('{"k":"v"}');
  });

  it('property: is invariant under key reordering', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.infiniteStream(fc.double({ noNaN: true })), (value, stream) => {
        const encoded = canonicalJson(value);
        expect(canonicalJson(reverseKeys(value))).toBe(encoded);
        expect(canonicalJson(shuffleKeys(value, () => stream.next().value as number))).toBe(encoded);
      }),
    );
  });

  it('property: parses back to the same value, and equal encodings mean equal values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const encodedA = canonicalJson(a);
        expect(canonicalJson(parseJsonText(encodedA))).toBe(encodedA);
        if (encodedA === canonicalJson(b)) expect(parseJsonText(encodedA)).toEqual(parseJsonText(canonicalJson(b)));
      }),
    );
  });
});

describe('canonicalCopy', () => {
  it('copies plain data with keys sorted and undefined fields dropped, sharing nothing with the input', () => {
    const input = { b: [1, { d: undefined, c: -0 }], a: 'x' };
    const copy = canonicalCopy(input);
    expect(Object.keys(copy)).toEqual(['a', 'b']);
    expect(copy).toEqual({ a: 'x', b: [1, { c: 0 }] });
    expect(Object.is((copy.b[1] as { c: number }).c, 0)).toBe(true);
    expect(copy.b).not.toBe(input.b);
    expect(canonicalJson(copy)).toBe(canonicalJson(input));
  });

  it('keeps a "__proto__" key as data, and escaped keys as they are', () => {
    const input = JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    input['"'] = 0;
    input['\\'] = 1;
    const copy = canonicalCopy(input);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['"', '\\', '__proto__']);
    expect(canonicalJson(copy)).toBe('{"\\"":0,"\\\\":1,"__proto__":{"x":1}}');
  });

  it('refuses what canonicalJson refuses, at the same path', () => {
    for (const value of [{ a: [1, undefined] }, { a: { n: Number.NaN } }, { d: new Date(0) }, { f: () => 1 }]) {
      let message = '';
      try {
        canonicalJson(value);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(() => canonicalCopy(value)).toThrow(CanonicalEncodingError);
      expect(() => canonicalCopy(value)).toThrow(message);
    }
  });

  it('property: the copy encodes as the original', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(canonicalCopy(value))).toBe(canonicalJson(value));
      }),
    );
  });
});
