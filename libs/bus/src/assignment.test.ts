import { describe, expect, it } from 'vitest';
import { agentIdOf, parseAssignment } from './assignment.js';
import { IntegrityError, InvalidIdError } from './errors.js';
import { busNames } from './names.js';

describe('agentIdOf', () => {
  it('joins namespace and pod, turning the dots of a pod name into ~', () => {
    expect(agentIdOf('shop', 'reviews-7d9f')).toBe('shop_reviews-7d9f');
    expect(agentIdOf('shop', 'web.v2.abc')).toBe('shop_web~v2~abc');
  });

  it('refuses what cannot be a subject token', () => {
    expect(() => agentIdOf('shop', 'a b')).toThrow(InvalidIdError);
    expect(() => agentIdOf('shop', 'a>b')).toThrow(InvalidIdError);
  });
});

describe('parseAssignment', () => {
  it('reads the scope of an assignment document', () => {
    expect(parseAssignment({ scope: 'ns-shop', extra: 1 })).toBe('ns-shop');
  });

  it.each([[null], ['ns-shop'], [{}], [{ scope: 3 }], [{ scope: 'a.b' }], [{ scope: '' }]])('refuses %j', (value) => {
    expect(() => parseAssignment(value)).toThrow(IntegrityError);
  });
});

describe('assignment names', () => {
  it('puts assignments on their own cluster-prefixed stream, one subject per agent', () => {
    const names = busNames('c1');
    expect(names.assignStream).toBe('weft-c1-assign');
    expect(names.assignSubjects).toBe('weft.c1.assign.>');
    expect(names.assignSubject('shop_web~v2')).toBe('weft.c1.assign.shop_web~v2');
    expect(() => names.assignSubject('shop.web')).toThrow(InvalidIdError);
  });
});
