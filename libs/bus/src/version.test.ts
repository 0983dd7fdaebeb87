import { describe, expect, it } from 'vitest';
import { InvalidVersionError } from './errors.js';
import { compareVersions, formatVersion, parseVersion } from './version.js';

describe('version', () => {
  it('parses decimal counters in the safe integer range', () => {
    expect(parseVersion('0')).toBe(0);
    expect(parseVersion('42')).toBe(42);
    expect(parseVersion('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(formatVersion(42)).toBe('42');
  });

  it.each(['', '-1', '01', '1.5', '1e3', ' 1', '9007199254740992', '99999999999999999999'])('refuses %j', (value) => {
    expect(() => parseVersion(value)).toThrow(InvalidVersionError);
  });

  it('compares numerically, not as strings', () => {
    expect(compareVersions('10', '9')).toBeGreaterThan(0);
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('7', '7')).toBe(0);
  });
});
