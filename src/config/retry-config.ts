/**
 * RETRY_MAX_ROUNDS and RETRY_BUDGET_PERCENT -> the retry policy's settings (router/retry.ts).
 * Pure: reads only its argument; loadConfig keeps the result as `config.retry`.
 */
import { ConfigError } from './config-error.js';

export interface RetryConfig {
  /** Extra rounds over the candidates after every one of them failed with a retryable error. */
  readonly maxRounds: number;
  /** Retries may add at most this share (percent) to the upstream requests of the last ten seconds. */
  readonly budgetPercent: number;
}

export const RETRY_DEFAULTS = Object.freeze({ RETRY_MAX_ROUNDS: 2, RETRY_BUDGET_PERCENT: 20 });

type Env = Readonly<Record<string, string | undefined>>;

export function loadRetryConfig(env: Env): RetryConfig {
  return Object.freeze({
    maxRounds: integer(env, 'RETRY_MAX_ROUNDS', RETRY_DEFAULTS.RETRY_MAX_ROUNDS, 10),
    budgetPercent: integer(env, 'RETRY_BUDGET_PERCENT', RETRY_DEFAULTS.RETRY_BUDGET_PERCENT, 100),
  });
}

function integer(env: Env, name: string, fallback: number, max: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new ConfigError(`${name} must be an integer from 0 to ${max}, got "${text.slice(0, 100)}"`);
  return Number(text);
}
