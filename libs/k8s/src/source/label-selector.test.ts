import { describe, expect, it } from 'vitest';
import { LabelSelectorError, matchesLabelSelector, parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  const labels = { 'weft.dev/mesh': 'enabled', env: 'prod', team: 'payments' };

  it.each([
    ['weft.dev/mesh=enabled', true],
    ['weft.dev/mesh==enabled', true],
    ['weft.dev/mesh!=enabled', false],
    ['env in (prod,staging)', true],
    ['env notin (prod)', false],
    ['env in (dev), team', false],
    ['team,!legacy', true],
    ['legacy', false],
    ['!env', false],
    ['missing!=x', true],
    ['env in (staging, prod),weft.dev/mesh=enabled', true],
  ])('%s matches %s', (selector, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('is empty (matches everything) for an empty string', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(matchesLabelSelector(parseLabelSelector(''), {})).toBe(true);
  });

  it.each(['env in prod', 'bad key=x', 'env=has space', '-env=x', 'env=(x)'])('refuses %s with a clear error', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
  });
});
