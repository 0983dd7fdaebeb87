import { describe, expect, it } from 'vitest';
import { APISIX_ID_PATTERN, APISIX_KINDS, emptyApisixResources, isApisixKind } from './apisix.js';

describe('APISIX kinds', () => {
  it('knows the kinds Weft writes and nothing else', () => {
    expect(isApisixKind('routes')).toBe(true);
    expect(isApisixKind('stream_routes')).toBe(true);
    expect(isApisixKind('consumers')).toBe(false);
    expect(isApisixKind('route')).toBe(false);
  });

  it('gives an empty list for every kind', () => {
    const empty = emptyApisixResources();
    expect(Object.keys(empty).sort()).toEqual([...APISIX_KINDS].sort());
    for (const kind of APISIX_KINDS) expect(empty[kind]).toEqual([]);
  });

  it('accepts ids APISIX accepts and refuses the rest', () => {
    expect(APISIX_ID_PATTERN.test('default.web.8080-0')).toBe(true);
    expect(APISIX_ID_PATTERN.test('a'.repeat(64))).toBe(true);
    expect(APISIX_ID_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(APISIX_ID_PATTERN.test('ns/name')).toBe(false);
    expect(APISIX_ID_PATTERN.test('')).toBe(false);
  });
});
