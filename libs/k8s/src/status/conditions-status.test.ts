import { describe, expect, it } from 'vitest';
import { mergeConditions } from './conditions-status.js';
import type { Condition } from './route-status.js';

const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: '1 allow rule' } as const;
const desired = (conditions: (typeof accepted | { type: string; status: 'True' | 'False'; reason: string; message: string })[], generation = 2) => ({
  namespace: 'shop',
  name: 'web',
  generation,
  conditions,
});
const foreign: Condition = { type: 'Audited', status: 'True', reason: 'Seen', message: 'by someone else', observedGeneration: 1, lastTransitionTime: 'T0' };

describe('mergeConditions', () => {
  it('sets our condition with observedGeneration beside a condition type we do not own', () => {
    expect(mergeConditions([foreign], desired([accepted]), 'T1')).toEqual([foreign, { ...accepted, observedGeneration: 2, lastTransitionTime: 'T1' }]);
  });

  it('returns undefined when nothing would change, so nothing is written', () => {
    const first = mergeConditions([], desired([accepted]), 'T1')!;
    expect(mergeConditions(first, desired([accepted]), 'T2')).toBeUndefined();
  });

  it('keeps lastTransitionTime while the status holds and moves it when the status flips', () => {
    const first = mergeConditions([], desired([accepted]), 'T1')!;
    const newer = mergeConditions(first, desired([{ ...accepted, message: '2 allow rules' }], 3), 'T2')!;
    expect(newer[0]).toMatchObject({ message: '2 allow rules', observedGeneration: 3, lastTransitionTime: 'T1' });
    const invalid = { type: 'Accepted', status: 'False', reason: 'InvalidPrincipal', message: 'principal "x": must be a SPIFFE ID' } as const;
    expect(mergeConditions(newer, desired([invalid], 4), 'T3')).toEqual([{ ...invalid, observedGeneration: 4, lastTransitionTime: 'T3' }]);
  });
});
