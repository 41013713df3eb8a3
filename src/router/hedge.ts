/**
 * Hedged reads, pure parts: when to send the second copy and how many we may send.
 *
 * Delay: the chosen provider's recent p95 of answered calls, at least MIN_HEDGE_DELAY_MS (hedging
 * below that mostly doubles load for nothing) and at most MAX_HEDGE_DELAY_MS (a provider whose
 * "normal" is slow should not hold a client for a second before we ask elsewhere).
 * Budget: a token bucket filled by HEDGE_RATIO of a token per primary read and emptied by one token
 * per hedge, so hedges stay near 10 % of reads over time; the bucket holds HEDGE_BURST tokens so the
 * onset of a fault (every in-flight read stuck on the same provider) can still be hedged at once.
 */
export const MIN_HEDGE_DELAY_MS = 50;
export const MAX_HEDGE_DELAY_MS = 1000;
export const HEDGE_RATIO = 0.1;
export const HEDGE_BURST = 50;

export function hedgeDelayMs(p95Ms: number | undefined): number {
  if (p95Ms === undefined || !Number.isFinite(p95Ms)) return MIN_HEDGE_DELAY_MS * 2;
  return Math.min(MAX_HEDGE_DELAY_MS, Math.max(MIN_HEDGE_DELAY_MS, Math.ceil(p95Ms)));
}

export class HedgeBudget {
  // Whole credits, not fractional tokens: ten additions of 0.1 do not make 1 in floating point.
  private credits: number;
  private readonly cost: number;
  private readonly max: number;

  constructor(ratio = HEDGE_RATIO, burst = HEDGE_BURST) {
    this.cost = Math.max(1, Math.round(1 / ratio));
    this.max = burst * this.cost;
    this.credits = this.max;
  }

  /** A primary read went out: earn a fraction of a hedge. */
  earn(): void {
    if (this.credits < this.max) this.credits++;
  }

  /** Spends one hedge if the budget allows it. */
  trySpend(): boolean {
    if (this.credits < this.cost) return false;
    this.credits -= this.cost;
    return true;
  }

  /** Hedges available now. */
  get available(): number {
    return this.credits / this.cost;
  }
}

/** The last `size` answered-call latencies and their p95, recomputed only when asked after a change. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private readonly scratch: Float64Array;
  private count = 0;
  private next = 0;
  private cached: number | undefined;
  private dirty = false;

  constructor(private readonly size = 64) {
    this.samples = new Float64Array(size);
    this.scratch = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
    this.dirty = true;
  }

  /** Nearest-rank p95; undefined until there is a sample. */
  p95(): number | undefined {
    if (this.count === 0) return undefined;
    if (this.dirty) {
      const view = this.scratch.subarray(0, this.count);
      view.set(this.samples.subarray(0, this.count));
      view.sort();
      this.cached = view[Math.min(this.count - 1, Math.ceil(0.95 * this.count) - 1)];
      this.dirty = false;
    }
    return this.cached;
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
    this.cached = undefined;
    this.dirty = false;
  }
}
