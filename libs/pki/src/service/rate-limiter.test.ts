import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

function limiter(perSecond: number, burst: number, maxKeys?: number) {
  let t = 0;
  const rl = new RateLimiter({ perSecond, burst, now: () => t, ...(maxKeys === undefined ? {} : { maxKeys }) });
  return {
    rl,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('rate limiter', () => {
  it('rate limiter - allows a burst, then refuses with the wait until the next token', () => {
    const { rl } = limiter(2, 3);
    expect([rl.take('a'), rl.take('a'), rl.take('a')].every((d) => d.allowed)).toBe(true);
    expect(rl.take('a')).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('rate limiter - refills at the rate, never above the burst', () => {
    const { rl, advance } = limiter(2, 3);
    for (let i = 0; i < 3; i++) rl.take('a');
    advance(500);
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
    advance(60_000);
    for (let i = 0; i < 3; i++) expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
  });

  it('rate limiter - each identity has its own bucket', () => {
    const { rl } = limiter(1, 1);
    expect(rl.take('shop/cart').allowed).toBe(true);
    expect(rl.take('shop/cart').allowed).toBe(false);
    expect(rl.take('shop/web').allowed).toBe(true);
  });

  it('rate limiter - a rate of 0 turns it off', () => {
    const { rl } = limiter(0, 1);
    expect(rl.enabled).toBe(false);
    for (let i = 0; i < 100; i++) expect(rl.take('a').allowed).toBe(true);
  });

  it('rate limiter - forgets idle identities first when it tracks too many, without freeing a busy one', () => {
    const { rl, advance } = limiter(1, 2, 2);
    rl.take('busy');
    rl.take('busy');
    rl.take('idle');
    advance(1_000); // idle refilled to 2 (forgettable); busy has 1
    rl.take('new'); // over maxKeys: 'idle' goes
    expect(rl.take('busy').allowed).toBe(true);
    expect(rl.take('busy').allowed).toBe(false);
  });

  it('rate limiter - refuses a nonsense configuration', () => {
    expect(() => new RateLimiter({ perSecond: 1, burst: 0 })).toThrow(/burst must be a positive integer/);
    expect(() => new RateLimiter({ perSecond: Number.NaN, burst: 1 })).toThrow(/finite/);
  });
});
