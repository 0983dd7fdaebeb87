import { describe, expect, it } from 'vitest';
import { nextRotation } from './rotation.js';

const HOUR = 3_600_000;
const notBefore = new Date('2026-01-01T00:00:00Z');
const notAfter = new Date(notBefore.getTime() + 24 * HOUR);
const validity = { notBefore, notAfter };

describe('nextRotation', () => {
  it('is half-life when the random source sits in the middle', () => {
    expect(nextRotation(validity, notBefore, () => 0.5).toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  it('moves by at most ±10 % of the lifetime, deterministically for a given random source', () => {
    expect(nextRotation(validity, notBefore, () => 0).getTime()).toBe(notBefore.getTime() + 12 * HOUR - 2.4 * HOUR);
    expect(nextRotation(validity, notBefore, () => 0.999999).getTime()).toBeCloseTo(
      notBefore.getTime() + 12 * HOUR + 2.4 * HOUR,
      -3,
    );
    expect(nextRotation(validity, notBefore, () => 0.25)).toEqual(nextRotation(validity, notBefore, () => 0.25));
  });

  it('spreads rotations of certificates issued together', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const times = Array.from({ length: 1000 }, () => nextRotation(validity, notBefore, random).getTime());
    const spread = Math.max(...times) - Math.min(...times);
    expect(spread).toBeGreaterThan(4 * HOUR);
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(notBefore.getTime() + 9.6 * HOUR);
      expect(time).toBeLessThanOrEqual(notBefore.getTime() + 14.4 * HOUR);
    }
  });

  it('never falls after expiry minus the margin', () => {
    const rotation = nextRotation(validity, notBefore, () => 0.999, { jitterFraction: 0.5, marginMs: 3 * HOUR });
    expect(rotation.getTime()).toBe(notAfter.getTime() - 3 * HOUR);
  });

  it('is due now when now is already past the planned time', () => {
    const late = new Date(notBefore.getTime() + 20 * HOUR);
    expect(nextRotation(validity, late, () => 0.5)).toEqual(late);
  });

  it('ignores a random source that returns nonsense', () => {
    expect(nextRotation(validity, notBefore, () => Number.NaN).getTime()).toBe(notBefore.getTime() + 9.6 * HOUR);
  });
});
