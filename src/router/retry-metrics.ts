/**
 * Prometheus metrics of the retry policy (router/retry.ts), read from its counters at scrape time:
 * retried reads by outcome, retry rounds started, retries the budget refused, 502s answered with a
 * Retry-After, and the budget left. One RetryStats per process, like the budget it reports on.
 */
import type { Registry } from 'prom-client';
import { registerCollected, type Sample } from '../observability/collected-metric.js';
import type { RetryEvent } from './retry.js';
import type { RetryBudget } from './retry-budget.js';

export class RetryStats {
  /** Retry rounds started (reads, batch chunks, head polls). */
  rounds = 0;
  /** Retried work that answered in a later round. */
  recovered = 0;
  /** Retried work that failed all the same. */
  failed = 0;
  /** Retry rounds the budget refused. */
  budgetExhausted = 0;
  /** 502s sent with a Retry-After header (no provider could be asked before the deadline). */
  retryAfterAnswers = 0;

  readonly record = (event: RetryEvent): void => {
    if (event === 'retry') this.rounds++;
    else if (event === 'recovered') this.recovered++;
    else if (event === 'failed') this.failed++;
    else if (event === 'budget-exhausted') this.budgetExhausted++;
  };
}

export function registerRetryMetrics(registry: Registry, stats: RetryStats, budget: RetryBudget): void {
  const add = (name: string, help: string, type: 'counter' | 'gauge', read: () => Sample[]) => registerCollected(registry, name, help, type, read);
  add('balance_api_retries_total', 'Reads, batch chunks and head polls that went round again, by outcome (recovered: a later round answered)', 'counter', () => [
    { value: stats.recovered, labels: { outcome: 'recovered' } },
    { value: stats.failed, labels: { outcome: 'failed' } },
  ]);
  add('balance_api_retry_rounds_total', 'Retry rounds started after every candidate had failed', 'counter', () => [{ value: stats.rounds }]);
  add('balance_api_retry_budget_exhausted_total', 'Retry rounds refused because the process-wide retry budget was spent', 'counter', () => [{ value: stats.budgetExhausted }]);
  add('balance_api_retry_after_answers_total', '502 answers sent with a Retry-After header (no provider could be asked before the deadline)', 'counter', () => [
    { value: stats.retryAfterAnswers },
  ]);
  add('balance_api_retry_budget_available', 'Retries the budget allows right now', 'gauge', () => [{ value: budget.available() }]);
}
