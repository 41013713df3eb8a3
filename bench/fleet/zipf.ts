/**
 * A Zipf-distributed hot set: rank r (1-based) is asked with weight 1/r^s. Seeded, so two runs (and
 * the with/without Redis groups of one run) ask for the same sequence of addresses.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
