import { describe, expect, it } from 'vitest';
import { InvalidIdError } from './errors.js';
import { validateAgentId, validateClusterId, validateScopeId } from './ids.js';
import { busNames } from './names.js';

describe('ids', () => {
  it('accepts subject-token ids', () => {
    expect(validateClusterId('prod-eu_1')).toBe('prod-eu_1');
    expect(validateScopeId('ns-a:sa=web@v2+x~y')).toBe('ns-a:sa=web@v2+x~y');
    expect(validateAgentId('default_web-5d9f8')).toBe('default_web-5d9f8');
  });

  it.each([
    ['', 'empty'],
    ['a b', 'whitespace'],
    ['a.b', 'separator'],
    ['a*', 'wildcard'],
    ['a>', 'wildcard'],
    ['x'.repeat(201), 'longer than 200'],
    ['a/b', 'outside'],
  ])('refuses scope %j (%s) with a typed error that says why', (value, why) => {
    expect(() => validateScopeId(value)).toThrow(InvalidIdError);
    expect(() => validateScopeId(value)).toThrow(why);
  });

  it('keeps cluster ids to what stream names accept everywhere', () => {
    for (const bad of ['a:b', 'a@b', 'a.b', 'x'.repeat(65)]) expect(() => validateClusterId(bad)).toThrow(InvalidIdError);
    const err = (() => {
      try {
        validateAgentId('pod.ns');
      } catch (e) {
        return e as InvalidIdError;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ name: 'InvalidIdError', kind: 'agent', value: 'pod.ns' });
  });
});

describe('busNames', () => {
  it('prefixes every subject and stream with the cluster id', () => {
    const n = busNames('east');
    expect(n.snapStream).toBe('weft-east-snap');
    expect(n.statusStream).toBe('weft-east-status');
    expect(n.snapSubjects).toBe('weft.east.snap.>');
    expect(n.deltaSubject('ns-a')).toBe('weft.east.snap.ns-a.delta');
    expect(n.fullSubject('ns-a')).toBe('weft.east.snap.ns-a.full');
    expect(n.statusSubject('pod-1')).toBe('weft.east.status.pod-1');
    expect(n.agentOfStatusSubject('weft.east.status.pod-1')).toBe('pod-1');
    expect(n.agentOfStatusSubject('weft.west.status.pod-1')).toBeUndefined();
    expect(() => n.deltaSubject('a.b')).toThrow(InvalidIdError);
    expect(() => busNames('a.b')).toThrow(InvalidIdError);
  });
});
