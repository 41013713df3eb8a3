/**
 * The process-wide retry budget, pure of I/O (the clock is injected): retry rounds may add at most
 * `percent` % to the upstream requests of the last ten seconds, plus a small floor so a quiet
 * service can still retry. Like Envoy's retry budgets and the AWS SDKs' retry quota, it turns a
 * provider outage into "one pass per request" instead of a retry storm that would keep it down.
 *
 * A token bucket whose tokens expire: first-try requests earn `percent`/100 of a token each, a
 * retry spends one, and both are forgotten after the window (ten one-second slots).
 */
export interface RetryBudgetPolicy {
  /** RETRY_BUDGET_PERCENT. */
  readonly percent: number;
  /** Retries allowed per window on top of the percentage. */
  readonly floor: number;
  readonly windowMs: number;
  readonly slots: number;
}

/**
 * Retries per window allowed whatever the traffic: ten a second, the AWS SDKs' standard retry quota
 * (500 tokens at 5 a retry). A quiet service (a few requests a second, one provider failing a third
 * of its calls) needs more retries than 20 % of its calls; at real traffic the percentage rules.
 */
export const DEFAULT_RETRY_FLOOR = 100;
export const RETRY_WINDOW_MS = 10_000;

export class RetryBudget {
  private readonly calls: number[];
  private readonly retries: number[];
  private readonly slotMs: number;
  /** Index (time / slotMs) of the newest slot written. */
  private newest = Number.NEGATIVE_INFINITY;
  private exhaustedCount = 0;

  constructor(
    private readonly policy: RetryBudgetPolicy,
    private readonly clock: () => number,
  ) {
    this.calls = new Array<number>(policy.slots).fill(0);
    this.retries = new Array<number>(policy.slots).fill(0);
    this.slotMs = policy.windowMs / policy.slots;
  }

  /** `n` first-try upstream requests went out. */
  called(n = 1): void {
    this.calls[this.slot()]! += n;
  }

  /**
   * Spends `n` retries (the upstream requests a retry round will send: one per candidate, one per
   * chunk) if the budget allows them all; false (and counted as exhausted) when it does not.
   */
  tryRetry(n = 1): boolean {
    const slot = this.slot();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < this.policy.slots; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    // Whole numbers: retries * 100 <= floor * 100 + percent * calls, no floating point drift.
    if ((retries + n) * 100 > this.policy.floor * 100 + this.policy.percent * calls) {
      this.exhaustedCount++;
      return false;
    }
    this.retries[slot]! += n;
    return true;
  }

  /** Retries refused since start (a metric). */
  get exhausted(): number {
    return this.exhaustedCount;
  }

  /** Retries allowed right now. */
  available(): number {
    this.slot();
    const calls = this.calls.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    return Math.max(0, Math.floor(this.policy.floor + (this.policy.percent * calls) / 100) - retries);
  }

  /** The slot for now, after clearing the ones that left the window. */
  private slot(): number {
    const index = Math.floor(this.clock() / this.slotMs);
    if (index > this.newest) {
      const stale = Math.min(this.policy.slots, this.newest === Number.NEGATIVE_INFINITY ? this.policy.slots : index - this.newest);
      for (let i = 1; i <= stale; i++) {
        const s = mod(this.newest === Number.NEGATIVE_INFINITY ? index + i : this.newest + i, this.policy.slots);
        this.calls[s] = 0;
        this.retries[s] = 0;
      }
      this.newest = index;
    }
    return mod(index, this.policy.slots);
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
