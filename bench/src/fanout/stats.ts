/** Small numeric helpers for the report. */

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile (p in 0..1) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil(p * sorted.length) - 1);
  return sorted[Math.min(sorted.length - 1, rank)] ?? 0;
}

export interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function distribution(values: readonly number[], digits = 1): Distribution {
  return {
    n: values.length,
    p50: round(percentile(values, 0.5), digits),
    p99: round(percentile(values, 0.99), digits),
    max: round(values.length === 0 ? 0 : Math.max(...values), digits),
  };
}

export function mib(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}
