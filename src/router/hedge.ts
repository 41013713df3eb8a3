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

/**
 * A batch chunk's hedge delay. A provider's p95 is of single calls; a chunk of a hundred takes many
 * times that on a busy node, so hedging on it would double every large batch's calls. A batch waits
 * for its slowest chunk anyway: the hedge is there for a provider that is stuck, and a second is
 * well inside any request deadline worth having.
 */
export const CHUNK_HEDGE_DELAY_MS = MAX_HEDGE_DELAY_MS;

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
