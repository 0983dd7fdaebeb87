import { describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.js';
import { parseStatus } from './status.js';

const good = { agent: 'a', scope: 's', appliedVersion: '3', hash: 'h', applyLatencyMs: 2.5, lastError: null, at: '2026-11-23T10:00:00Z' };

describe('parseStatus', () => {
  it('reads a status document and drops unknown fields', () => {
    expect(parseStatus({ ...good, extra: true })).toEqual(good);
    const fresh = { ...good, appliedVersion: null, hash: null, applyLatencyMs: null, lastError: 'boot' };
    expect(parseStatus(fresh)).toEqual(fresh);
  });

  it.each([
    [null, 'not an object'],
    [{ ...good, agent: 1 }, 'agent'],
    [{ ...good, appliedVersion: 3 }, 'appliedVersion'],
    [{ ...good, applyLatencyMs: 'fast' }, 'applyLatencyMs'],
    [{ ...good, applyLatencyMs: Number.NaN }, 'applyLatencyMs'],
    [{ ...good, at: undefined }, 'at'],
  ])('refuses %j naming %s', (value, field) => {
    expect(() => parseStatus(value)).toThrow(IntegrityError);
    expect(() => parseStatus(value)).toThrow(field);
  });
});
