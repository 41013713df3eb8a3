/**
 * RETRY_MAX_ROUNDS and RETRY_BUDGET_PERCENT -> the retry policy's settings (router/retry-policy.ts).
 * Pure: reads only its argument; loadConfig keeps the result as `config.retry`.
 */
import { integerFrom, number, type Env } from './env-parsers.js';

export interface RetryConfig {
  /** Extra rounds over the candidates after every one of them failed with a retryable error. */
  readonly maxRounds: number;
  /** Retries may add at most this share (percent) to the upstream requests of the last ten seconds. */
  readonly budgetPercent: number;
}

export const RETRY_DEFAULTS = Object.freeze({ RETRY_MAX_ROUNDS: 2, RETRY_BUDGET_PERCENT: 20 });

export function loadRetryConfig(env: Env): RetryConfig {
  return Object.freeze({
    maxRounds: number(env, 'RETRY_MAX_ROUNDS', RETRY_DEFAULTS.RETRY_MAX_ROUNDS, integerFrom(0, 10)),
    budgetPercent: number(env, 'RETRY_BUDGET_PERCENT', RETRY_DEFAULTS.RETRY_BUDGET_PERCENT, integerFrom(0, 100)),
  });
}
