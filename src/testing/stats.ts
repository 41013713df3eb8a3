/** Pure numeric helpers shared by tests and benchmarks: one name, one contract. */

/** Nearest-rank percentile of `values` in any order (not modified); `p` from 0 to 100; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
