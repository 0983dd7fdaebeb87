import { InvalidVersionError } from './errors.js';

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Versions are JetStream stream sequences, carried as decimal strings (as in `SnapshotMeta.version`). NATS.js
 * gives sequences as numbers, so a version must stay within the safe integer range (2^53-1: centuries of
 * publishing at a million versions per second).
 */
export function parseVersion(value: string): number {
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidVersionError(value);
  return n;
}

export function formatVersion(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new InvalidVersionError(String(seq));
  return String(seq);
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  return parseVersion(a) - parseVersion(b);
}
