import { describe, expect, it } from 'vitest';
import { CertificateDenial } from './certificate-denial.js';
import { MAX_NEGATIVE_TTL_MS, TokenReviewCache, tokenExpiryMs, tokenKey } from './token-cache.js';

const account = { namespace: 'shop', serviceAccount: 'cart' };

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('token review cache', () => {
  it('token cache - keys by SHA-256, never by the token itself', () => {
    const key = tokenKey('secret-token');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(tokenKey('secret-token')).toBe(key);
    expect(tokenKey('secret-token2')).not.toBe(key);
  });

  it('token cache - reads exp from a JWT payload, undefined for anything else', () => {
    expect(tokenExpiryMs(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(tokenExpiryMs(jwt({ sub: 'x' }))).toBeUndefined();
    expect(tokenExpiryMs(jwt({ exp: 'soon' }))).toBeUndefined();
    expect(tokenExpiryMs('not-a-jwt')).toBeUndefined();
    expect(tokenExpiryMs('a.%%%.c')).toBeUndefined();
  });

  it('token cache - a success lasts the TTL when the token lives longer', () => {
    const c = clock();
    const cache = new TokenReviewCache({ ttlMs: 60_000, now: c.now });
    cache.accept('k', account, c.now() + 3_600_000);
    c.advance(59_999);
    expect(cache.get('k')).toEqual({ ok: true, account });
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('token cache - a success never outlives the token’s own exp', () => {
    const c = clock();
    const cache = new TokenReviewCache({ ttlMs: 60_000, now: c.now });
    cache.accept('k', account, c.now() + 5_000);
    c.advance(4_999);
    expect(cache.get('k')?.ok).toBe(true);
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('token cache - an already expired token is not cached at all', () => {
    const c = clock();
    const cache = new TokenReviewCache({ now: c.now });
    cache.accept('k', account, c.now() - 1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('token cache - a token without exp gets the TTL', () => {
    const c = clock();
    const cache = new TokenReviewCache({ ttlMs: 10_000, now: c.now });
    cache.accept('k', account, undefined);
    c.advance(9_999);
    expect(cache.get('k')?.ok).toBe(true);
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('token cache - a refusal is remembered for seconds only, whatever the options say', () => {
    const c = clock();
    const denial = new CertificateDenial('token-rejected', 'no');
    const cache = new TokenReviewCache({ negativeTtlMs: 3_600_000, now: c.now });
    cache.refuse('k', denial);
    expect(cache.get('k')).toEqual({ ok: false, denial });
    c.advance(MAX_NEGATIVE_TTL_MS);
    expect(cache.get('k')).toBeUndefined();
  });

  it('token cache - stays within maxEntries, dropping expired then oldest entries', () => {
    const c = clock();
    const cache = new TokenReviewCache({ ttlMs: 1_000, maxEntries: 3, now: c.now });
    cache.accept('old', account, undefined);
    c.advance(2_000);
    cache.accept('a', account, undefined);
    cache.accept('b', account, undefined);
    cache.accept('c', account, undefined); // 'old' expired: dropped first
    expect(cache.size).toBe(3);
    expect(cache.get('a')?.ok).toBe(true);
    cache.accept('d', account, undefined); // full of live entries: the oldest ('a') goes
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')?.ok).toBe(true);
  });
});
