import { describe, expect, it } from 'vitest';
import { APISIX_ID_PATTERN } from '@weft/model';
import { parseGatewayDuration } from './durations.js';
import { resourceId, resourceName, shortHash } from './ids.js';

describe('resourceId', () => {
  it('joins Kubernetes identity with dots when it fits', () => {
    expect(resourceId('u', 'shop', 'web', 80)).toBe('u.shop.web.80');
  });

  it('keeps long ids within 64 characters, distinct and stable, ending in a hash of the whole', () => {
    const a = resourceId('r', 'team', 'x'.repeat(80), 0, 8080, 1, 0);
    const b = resourceId('r', 'team', 'x'.repeat(80), 0, 8080, 1, 1);
    expect(a).toHaveLength(64);
    expect(a).toMatch(APISIX_ID_PATTERN);
    expect(a).not.toBe(b);
    expect(resourceId('r', 'team', 'x'.repeat(80), 0, 8080, 1, 0)).toBe(a);
  });

  it('replaces characters APISIX refuses, and hashes so that distinct inputs stay distinct', () => {
    const id = resourceId('r', 'ns', 'a:b');
    expect(id).toMatch(APISIX_ID_PATTERN);
    expect(id).not.toBe(resourceId('r', 'ns', 'a/b'));
  });

  it('hashes to 12 hex characters', () => {
    expect(shortHash('abc')).toMatch(/^[0-9a-f]{12}$/);
    expect(shortHash('abc')).not.toBe(shortHash('abd'));
  });

  it('caps APISIX names at 256 characters', () => {
    expect(resourceName('n'.repeat(300))).toHaveLength(256);
    expect(resourceName('short')).toBe('short');
  });
});

describe('parseGatewayDuration', () => {
  it('reads Gateway API durations in seconds', () => {
    expect(parseGatewayDuration('10s')).toBe(10);
    expect(parseGatewayDuration('1m30s')).toBe(90);
    expect(parseGatewayDuration('1h')).toBe(3600);
    expect(parseGatewayDuration('500ms')).toBe(0.5);
    expect(parseGatewayDuration('0s')).toBe(0);
  });

  it('refuses what the spec refuses', () => {
    for (const bad of ['', '10', '1.5s', '1d', '123456s', 's']) expect(parseGatewayDuration(bad)).toBeUndefined();
  });
});
