import { describe, expect, it } from 'vitest';
import { deepFreeze, encodingOf, freezeCanonicalCopy } from './frozen.js';

describe('per-resource encodings', () => {
  it('are not cached for objects the caller may still change', () => {
    const resource = { id: 'a', nodes: [{ port: 1 }] };
    expect(encodingOf(resource)).toBe('{"id":"a","nodes":[{"port":1}]}');
    resource.nodes[0]!.port = 2;
    expect(encodingOf(resource)).toBe('{"id":"a","nodes":[{"port":2}]}');
    // Frozen on the surface only: a child can still change, so still not cached.
    const shallow = Object.freeze({ id: 'b', labels: { x: '1' } });
    encodingOf(shallow);
    shallow.labels.x = '2';
    expect(encodingOf(shallow)).toBe('{"id":"b","labels":{"x":"2"}}');
  });

  it('are cached for canonical copies, which are frozen to the leaves', () => {
    const copy = freezeCanonicalCopy({ z: [1, { b: 2, a: undefined }], id: 'c' });
    expect(copy).toEqual({ id: 'c', z: [1, { b: 2 }] });
    expect(Object.isFrozen(copy.z[1])).toBe(true);
    expect(encodingOf(copy)).toBe('{"id":"c","z":[1,{"b":2}]}');
    expect(freezeCanonicalCopy(copy)).toBe(copy);
  });

  it('deepFreeze freezes every level', () => {
    const value = deepFreeze({ a: [{ b: { c: 1 } }] });
    expect(Object.isFrozen(value.a[0]!.b)).toBe(true);
  });
});
