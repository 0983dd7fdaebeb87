import { describe, expect, it } from 'vitest';
import { SpiffeIdError } from './errors.js';
import type { SpiffeIdProblem } from './errors.js';
import { formatSpiffeId, parseSpiffeId, toSpiffeId, validateTrustDomain } from './spiffe-id.js';

function reasonOf(run: () => unknown): SpiffeIdProblem | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SpiffeIdError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('parseSpiffeId', () => {
  it('parses a workload identity into its parts', () => {
    expect(parseSpiffeId('spiffe://cluster.local/ns/shop/sa/cart-api')).toEqual({
      trustDomain: 'cluster.local',
      namespace: 'shop',
      serviceAccount: 'cart-api',
      uri: 'spiffe://cluster.local/ns/shop/sa/cart-api',
    });
  });

  it('accepts a service account name with dots (a DNS-1123 subdomain) and a trust domain with _ and -', () => {
    expect(parseSpiffeId('spiffe://my_corp-1.example/ns/a/sa/svc.v2').serviceAccount).toBe('svc.v2');
  });

  it.each<[string, SpiffeIdProblem]>([
    ['https://cluster.local/ns/a/sa/b', 'bad-scheme'],
    ['SPIFFE://cluster.local/ns/a/sa/b', 'bad-scheme'],
    ['spiffe:/cluster.local/ns/a/sa/b', 'bad-scheme'],
    ['spiffe://Cluster.Local/ns/a/sa/b', 'bad-trust-domain'],
    ['spiffe:///ns/a/sa/b', 'bad-trust-domain'],
    ['spiffe://exa mple/ns/a/sa/b', 'bad-trust-domain'],
    ['spiffe://cluster.local:8443/ns/a/sa/b', 'userinfo-or-port'],
    ['spiffe://admin@cluster.local/ns/a/sa/b', 'userinfo-or-port'],
    ['spiffe://cluster.local/ns/a/sa/b?x=1', 'query-or-fragment'],
    ['spiffe://cluster.local/ns/a/sa/b#frag', 'query-or-fragment'],
    ['spiffe://cluster.local/ns//sa/b', 'bad-path'],
    ['spiffe://cluster.local/ns/a/sa/b/', 'bad-path'],
    ['spiffe://cluster.local/ns/./sa/b', 'bad-path'],
    ['spiffe://cluster.local/ns/../sa/b', 'bad-path'],
    ['spiffe://cluster.local/ns/a%20b/sa/b', 'bad-path'],
    ['spiffe://cluster.local/ns/a/sa/b:c', 'bad-path'],
    ['spiffe://cluster.local', 'not-a-workload-path'],
    ['spiffe://cluster.local/ns/a', 'not-a-workload-path'],
    ['spiffe://cluster.local/ns/a/sa/b/extra', 'not-a-workload-path'],
    ['spiffe://cluster.local/namespace/a/sa/b', 'not-a-workload-path'],
    ['spiffe://cluster.local/ns/Shop/sa/b', 'bad-namespace'],
    ['spiffe://cluster.local/ns/-a/sa/b', 'bad-namespace'],
    [`spiffe://cluster.local/ns/${'a'.repeat(64)}/sa/b`, 'bad-namespace'],
    ['spiffe://cluster.local/ns/a/sa/B', 'bad-service-account'],
    ['spiffe://cluster.local/ns/a/sa/b_c', 'bad-service-account'],
    ['spiffe://cluster.local/ns/a/sa/b..c', 'bad-service-account'],
    [`spiffe://cluster.local/ns/a/sa/${'a'.repeat(2100)}`, 'too-long'],
  ])('refuses %s (%s)', (uri, reason) => {
    expect(reasonOf(() => parseSpiffeId(uri))).toBe(reason);
  });

  it('says what is wrong in the message', () => {
    expect(() => parseSpiffeId('spiffe://cluster.local:80/ns/a/sa/b')).toThrow(/port/);
    expect(() => parseSpiffeId('spiffe://cluster.local/ns/Shop/sa/b')).toThrow(/namespace "Shop" is not a DNS-1123 label/);
  });
});

describe('formatSpiffeId', () => {
  it('formats parts and round-trips through parse', () => {
    const uri = formatSpiffeId({ trustDomain: 'example.org', namespace: 'default', serviceAccount: 'web' });
    expect(uri).toBe('spiffe://example.org/ns/default/sa/web');
    expect(toSpiffeId(parseSpiffeId(uri))).toEqual(parseSpiffeId(uri));
  });

  it('validates each part', () => {
    expect(reasonOf(() => formatSpiffeId({ trustDomain: 'Example', namespace: 'a', serviceAccount: 'b' }))).toBe(
      'bad-trust-domain',
    );
    expect(reasonOf(() => formatSpiffeId({ trustDomain: 'e.org', namespace: 'a/b', serviceAccount: 'b' }))).toBe(
      'bad-namespace',
    );
    expect(reasonOf(() => formatSpiffeId({ trustDomain: 'e.org', namespace: 'a', serviceAccount: '' }))).toBe(
      'bad-service-account',
    );
  });

  it('validateTrustDomain refuses too long names and accepts the allowed characters', () => {
    expect(validateTrustDomain('a-b_c.d9')).toBe('a-b_c.d9');
    expect(reasonOf(() => validateTrustDomain('a'.repeat(256)))).toBe('bad-trust-domain');
    expect(reasonOf(() => validateTrustDomain(''))).toBe('bad-trust-domain');
  });
});
