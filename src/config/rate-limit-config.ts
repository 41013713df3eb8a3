/**
 * RATE_LIMIT_RPS, RATE_LIMIT_BURST and RATE_LIMIT_MAX_CLIENTS, and the token-bucket rule an API
 * key's own limit (api-keys-config.ts) follows too. loadConfig spreads the result into Config.
 */
import { ConfigError } from './config-error.js';
import { integerFrom, number, POSITIVE_INT, POSITIVE_NUMBER, type Env } from './env-parsers.js';

export interface RateLimitConfig {
  readonly rateLimitRps: number | undefined;
  readonly rateLimitBurst: number | undefined;
  /** Most clients the limiter remembers at once (bounds its memory). */
  readonly rateLimitMaxClients: number;
}

/** A token-bucket limit: `rps` refill, `burst` bucket size. */
export interface RateLimit {
  readonly rps: number;
  readonly burst: number;
}

export const RATE_LIMIT_DEFAULTS = { RATE_LIMIT_MAX_CLIENTS: 100_000 } as const;

/** The burst when none is given (RATE_LIMIT_BURST, an API key's own): the rate, rounded up. */
export function defaultBurst(rps: number): number {
  return Math.max(1, Math.ceil(rps));
}

/** The limit a rate and an optional burst make; undefined without a rate. */
export function rateLimit(rps: number | undefined, burst: number | undefined): RateLimit | undefined {
  return rps === undefined ? undefined : { rps, burst: burst ?? defaultBurst(rps) };
}

export function loadRateLimitConfig(env: Env): RateLimitConfig {
  const rateLimitRps = number(env, 'RATE_LIMIT_RPS', undefined, POSITIVE_NUMBER);
  const rateLimitBurst = number(env, 'RATE_LIMIT_BURST', rateLimitRps === undefined ? undefined : defaultBurst(rateLimitRps), POSITIVE_INT);
  if (rateLimitBurst !== undefined && rateLimitRps === undefined) {
    throw new ConfigError('RATE_LIMIT_BURST needs RATE_LIMIT_RPS (the refill rate)');
  }
  const rateLimitMaxClients = number(env, 'RATE_LIMIT_MAX_CLIENTS', RATE_LIMIT_DEFAULTS.RATE_LIMIT_MAX_CLIENTS, integerFrom(1, 10_000_000));
  return Object.freeze({ rateLimitRps, rateLimitBurst, rateLimitMaxClients });
}
