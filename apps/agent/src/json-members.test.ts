import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@weft/snapshot';
import { topLevelMembers } from './json-members.js';

describe('topLevelMembers', () => {
  it('finds the top-level members of canonical JSON, not look-alikes nested or inside strings', () => {
    const value = { a: '"hosts":[1]', b: { hosts: [2] }, hosts: ['x', 'y\\"'], labels: { k: 'v' }, n: -1.5, z: [{ hosts: 3 }] };
    const json = canonicalJson(value);
    const members = topLevelMembers(json, ['hosts', 'labels', 'n']);
    if (members === undefined) throw new Error('canonical JSON is read');
    const text = (key: string): unknown => {
      const range = members.get(key);
      return range === undefined ? undefined : (JSON.parse(json.slice(range.start, range.end)) as unknown);
    };
    expect(text('hosts')).toEqual(value.hosts);
    expect(text('labels')).toEqual(value.labels);
    expect(text('n')).toBe(-1.5);
    expect(topLevelMembers(json, ['absent'])?.size).toBe(0);
    expect(topLevelMembers('{}', ['hosts'])?.size).toBe(0);
  });

  it('refuses text that is not a compact JSON object', () => {
    for (const text of ['', '[]', '{"a":1', '{"a" :1}', '{"a":1}x', '{"a":"unterminated}']) expect(topLevelMembers(text, ['b']), text).toBeUndefined();
  });
});
