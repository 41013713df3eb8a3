/**
 * A Zipf-distributed hot set: rank r (1-based) is asked with weight 1/r^s. Seeded, so two runs (and
 * the with/without Redis groups of one run) ask for the same sequence of addresses.
 */
export { mulberry32 } from '../../src/testing/stats.js';

/** Returns a sampler of ranks 0..n-1 (0 the hottest). */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += 1 / (r + 1) ** s;
  for (let r = 0; r < n; r++) cdf[r]! /= total;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** n distinct lowercase addresses under a run prefix (8 hex digits). */
export function hotSet(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `0x${prefix}${(i + 1).toString(16).padStart(32, '0')}`);
}
