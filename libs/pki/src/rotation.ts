/** The validity window of a certificate being rotated. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface RotationOptions {
  /** Half-width of the jitter around half-life, as a fraction of the lifetime: 0.1 (±10 %). */
  readonly jitterFraction?: number;
  /** Rotation never falls later than notAfter minus this: 10 % of the lifetime by default. */
  readonly marginMs?: number;
}

/**
 * When to renew a certificate: at half its lifetime, moved by up to ±`jitterFraction` of the lifetime so that
 * certificates issued together do not all renew together, and never later than `notAfter − margin`. `random`
 * returns [0, 1) (pass a seeded source for a deterministic schedule). A certificate already past that point is
 * due now.
 */
export function nextRotation(validity: Validity, now: Date, random: () => number = Math.random, options: RotationOptions = {}): Date {
  const start = validity.notBefore.getTime();
  const end = validity.notAfter.getTime();
  const lifetime = Math.max(0, end - start);
  const jitterFraction = clamp(options.jitterFraction ?? 0.1, 0, 0.5);
  const margin = options.marginMs ?? lifetime * 0.1;
  const jitter = (clamp(random(), 0, 1) * 2 - 1) * jitterFraction * lifetime;
  const planned = Math.min(start + lifetime / 2 + jitter, end - margin);
  return new Date(Math.max(planned, now.getTime()));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Number.isFinite(value) ? value : low));
}
