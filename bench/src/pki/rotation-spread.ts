/** How rotations of a set of SVIDs fall over time, and what that costs the CA at the busiest second. */
export interface RotationSpread {
  readonly svids: number;
  /** From the first rotation to the last. */
  readonly windowSeconds: number;
  readonly meanPerSecond: number;
  /** Rotations in the busiest one-second bucket. */
  readonly maxPerSecond: number;
  /** maxPerSecond × the CA's CPU time per issuance: the share of one core the CA needs at the busiest second. */
  readonly peakCpuFraction: number;
}

/** Buckets the planned rotation times (ms since the epoch) per second. */
export function rotationSpread(rotateAtMs: readonly number[], cpuSecondsPerIssuance: number): RotationSpread {
  if (rotateAtMs.length === 0) return { svids: 0, windowSeconds: 0, meanPerSecond: 0, maxPerSecond: 0, peakCpuFraction: 0 };
  const perSecond = new Map<number, number>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const at of rotateAtMs) {
    const second = Math.floor(at / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  const maxPerSecond = Math.max(...perSecond.values());
  const windowSeconds = Math.max(1, (last - first) / 1000);
  return {
    svids: rotateAtMs.length,
    windowSeconds: Math.round(windowSeconds),
    meanPerSecond: Math.round((rotateAtMs.length / windowSeconds) * 1000) / 1000,
    maxPerSecond,
    peakCpuFraction: Math.round(maxPerSecond * cpuSecondsPerIssuance * 10_000) / 10_000,
  };
}
