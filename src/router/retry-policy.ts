/**
 * The retry policy one router applies to its reads and head polls: RETRY_MAX_ROUNDS, the backoff
 * (router/backoff.ts), and the process-wide retry budget and counters it shares with every other
 * router of the process (`RetryShared`, made once in app.ts). The rounds themselves are
 * router/retry.ts (p-retry); this binds them to a request's deadline and to the budget's books.
 */
import type { RetryConfig } from '../config/retry-config.js';
import { retryRounds, type RetryRoundsPlan } from './retry.js';
import { DEFAULT_RETRY_FLOOR, RETRY_WINDOW_MS, RetryBudget } from './retry-budget.js';
import { RetryStats } from './retry-metrics.js';

/** What every router of one process shares: one budget against retry storms, one set of counters. */
export interface RetryShared {
  readonly budget: RetryBudget;
  readonly stats: RetryStats;
}

export function createRetryShared(config: RetryConfig, clock: () => number = performance.now.bind(performance)): RetryShared {
  const budget = new RetryBudget({ percent: config.budgetPercent, floor: DEFAULT_RETRY_FLOOR, windowMs: RETRY_WINDOW_MS, slots: 10 }, clock);
  return { budget, stats: new RetryStats() };
}

export interface RoundsPlan<R> {
  /** One pass over the candidates (round 0 first); rejects with an UpstreamError when all failed. */
  readonly pass: (round: number) => Promise<R>;
  /** Clock reading at which the request's deadline passes. */
  readonly deadlineAt: number;
  readonly askableInMs?: RetryRoundsPlan<R>['askableInMs'];
  readonly cost?: RetryRoundsPlan<R>['cost'];
}

export class RetryPolicy {
  constructor(
    private readonly config: RetryConfig,
    readonly shared: RetryShared,
    private readonly clock: () => number,
    private readonly random: () => number,
  ) {}

  now(): number {
    return this.clock();
  }

  /** `n` first-try upstream requests went out: they earn the budget its percentage. */
  called(n = 1): void {
    this.shared.budget.called(n);
  }

  rounds<R>(plan: RoundsPlan<R>): Promise<R> {
    return retryRounds({
      pass: plan.pass,
      maxRounds: this.config.maxRounds,
      budget: this.shared.budget,
      remainingMs: () => plan.deadlineAt - this.clock(),
      random: this.random,
      askableInMs: plan.askableInMs,
      cost: plan.cost,
      onEvent: this.shared.stats.record,
    });
  }

  /** A 502 that tells the client when to come back was made. */
  retryAfterAnswered(): void {
    this.shared.stats.retryAfterAnswers++;
  }
}
